/**
 * Exit codes and error output of `po`: one line per error, with its stable code, never a stack trace.
 */
import { EnvelopeError, EvidenceError, InputError, PoError } from '../shared/errors.js';
import { ApiCallError, NetworkError } from './api.js';
import { showable } from '../shared/display.js';

/** Documented exit codes (README, `po --help`). */
export const EXIT = {
  ok: 0,
  /**
   * The input was understood and refused: an envelope or evidence that does not verify, an order the OPD rejects, a
   * receipt that fails a check, a quote the user declined.
   */
  rejected: 1,
  /** Bad arguments, files or keys: fix the command line. */
  usage: 2,
  /** The API could not be reached or is unavailable (5xx): try again later. */
  network: 3,
  /** A bug: something that should not happen did. */
  internal: 70,
} as const;

export type ErrorFormat = 'line' | 'json';

/** Deliberate refusals of `po` itself: a declined quote, a key that is not the trusted one. */
const REFUSALS: ReadonlySet<string> = new Set([
  'declined',
  'server_key_changed',
  'receipt_key_changed',
  'fingerprint_mismatch',
]);

/**
 * Exit code for an error: envelope rejections, API refusals, failed evidence checks and a declined quote are
 * "rejected"; input that is not an evidence bundle and other deliberate errors are "usage".
 */
export function exitCodeFor(error: unknown): number {
  // A session the OPD no longer accepts (logged out, password changed, expired) is fixed like a missing one: log in.
  if (error instanceof ApiCallError && error.code === 'unauthorized') return EXIT.usage;
  if (error instanceof EnvelopeError || error instanceof ApiCallError) return EXIT.rejected;
  if (error instanceof EvidenceError) return error.code === 'evidence_malformed' ? EXIT.usage : EXIT.rejected;
  if (error instanceof InputError && REFUSALS.has(error.code)) return EXIT.rejected;
  if (error instanceof NetworkError) return EXIT.network;
  if (error instanceof PoError) return EXIT.usage;
  return EXIT.internal;
}

/**
 * Prints an error on stderr. Deliberate errors print their message and code; anything else prints a generic line
 * with the error's class only, because an unexpected error's message could carry data we did not vet.
 */
export function printError(error: unknown, format: ErrorFormat): void {
  let body: { error: { code: string; message: string } & Record<string, unknown> };
  if (error instanceof PoError) body = error.toJSON();
  else if (error instanceof ApiCallError)
    body = {
      error: {
        code: error.code,
        message:
          error.code === 'unauthorized' ? `${error.message}: the session has ended; run \`po login\`` : error.message,
        ...error.details,
      },
    };
  else if (error instanceof NetworkError) body = { error: { code: 'network', message: error.message } };
  else
    body = {
      error: {
        code: 'internal',
        message: `unexpected ${error instanceof Error ? error.name : 'error'}; please report it`,
      },
    };
  if (format === 'json') process.stderr.write(`${JSON.stringify(body)}\n`);
  else {
    // The code ends the first line, so that a command given on a later line can be copied as it is. What the person
    // typed may be quoted in the message: its control and invisible characters are shown, never obeyed.
    const [first, ...rest] = showable(body.error.message).split('\n');
    process.stderr.write(`${[`po: ${first} [${body.error.code}]`, ...rest].join('\n')}\n`);
  }
}

/** Runs a command action; on error prints it in `format` and sets the exit code. */
export async function runAction(format: ErrorFormat, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    printError(error, format);
    process.exitCode = exitCodeFor(error);
  }
}

/**
 * Makes po stop quietly when whoever reads `stream` goes away (`po admin orders --help | head -1`), as git and gh do.
 * Node reports the closed pipe as an `EPIPE` error event on the stream, which, unhandled, ends po with a stack trace.
 * The exit status is the one po had so far: 0, unless something had already failed. Other stream errors are left as
 * they were.
 */
export function stopQuietlyWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT.ok);
  });
}

/**
 * For standard error: when its reader goes away, po carries on and says nothing more there. A progress line must not
 * end a command whose outcome is not known yet (a credit being sent again with its Idempotency-Key): po finishes it,
 * and its exit status says how it went.
 */
export function carryOnWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
