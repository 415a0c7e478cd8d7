/**
 * Asking the person at the terminal: passwords (a hidden prompt, never echoed; or lines from standard input for
 * scripts) and yes/no confirmations.
 */
import { createInterface } from 'node:readline/promises';
import { InputError } from '../shared/errors.js';

/** True when a person can answer a question: standard input is a terminal. */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

/** Asks a yes/no question on the terminal; only "y" or "yes" (any case) is yes. Ctrl-C exits with 130. */
export async function confirm(question: string): Promise<boolean> {
  if (!isInteractive()) throw new InputError('usage', 'no terminal to ask for confirmation; pass --yes');
  const terminal = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  terminal.on('SIGINT', () => {
    terminal.close();
    process.stderr.write('\n');
    process.exit(130);
  });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

/** What was typed (or pasted) past the end of the last answer: the start of the next one. */
let typedAhead = '';

/**
 * Asks for a secret on the terminal without echoing it. Text typed or pasted past an answer's end of line is kept for
 * the next question (a password pasted twice answers "again" too).
 */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    throw new InputError(
      'usage',
      'no terminal to ask for the password; pass it on standard input with --password-stdin',
    );
  process.stderr.write(question);
  let value = '';
  /** Takes characters until an end of line; true when the answer is complete (the rest is kept for the next). */
  const take = (text: string): boolean => {
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i]!;
      if (char === '\r' || char === '\n') {
        typedAhead = chars.slice(i + (char === '\r' && chars[i + 1] === '\n' ? 2 : 1)).join('');
        return true;
      }
      if (char === '\u0003') {
        stdin.setRawMode(false);
        process.stderr.write('\n');
        process.exit(130);
      }
      value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
    }
    return false;
  };
  const ahead = typedAhead;
  typedAhead = '';
  if (take(ahead)) {
    process.stderr.write('\n');
    return Promise.resolve(value);
  }
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      if (!take(chunk.toString('utf8'))) return;
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      resolve(value);
    };
    stdin.on('data', onData);
  });
}

/** Reads `count` lines from standard input (for --password-stdin). */
export async function readStdinLines(count: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  if (lines.length < count || lines.slice(0, count).some((line) => line.length === 0))
    throw new InputError('usage', `expected ${count} non-empty line${count > 1 ? 's' : ''} on standard input`);
  return lines.slice(0, count);
}
