/**
 * `po test`: checks the profile against its OPD: connectivity, clock skew, the trusted server and receipt keys, the
 * signing key and the session; each check that fails is named.
 */
import type { Command } from 'commander';
import { PoError } from '../../shared/errors.js';
import { opdClient } from '../client.js';
import type { OpdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { signerFor } from '../io.js';
import { EXIT } from '../output.js';
import { readProfile, readSession } from '../profile.js';
import type { Profile, Session } from '../profile.js';
import { trustCommand, trustReport } from '../trust.js';
import type { TrustState } from '../trust.js';
import { print } from '../view.js';
import { sessionSubject } from '../session.js';
import { ORDER_LIMITS } from '../../shared/rules.js';

/**
 * The check of the profile's signing key: the file is readable, and the key is registered to the customer and active
 * (read from `GET /account` when there is a live session).
 */
async function checkSigningKey(
  profile: Profile,
  session: Session | undefined,
  api: OpdClient,
): Promise<{ ok: boolean; message: string; keyId?: string }> {
  if (!profile.key) return { ok: false, message: 'not configured: po config --key FILE' };
  let kid: string;
  try {
    kid = (await signerFor(profile, {})).kid;
  } catch (error) {
    // Our own errors say what is wrong with the file; anything else is named by its class only.
    return {
      ok: false,
      message: `${profile.key}: ${error instanceof PoError ? error.message : `unreadable (${error instanceof Error ? error.name : 'error'})`}`,
    };
  }
  if (!session || Date.parse(session.expiresAt) <= Date.now())
    return { ok: false, keyId: kid, message: `${profile.key} (key ID ${kid}); log in to check it is registered` };
  const account = await api.account(session.token, { limit: '1' }).catch(() => undefined);
  const registered = account?.keys?.find((key) => key.keyId === kid);
  if (!account) return { ok: false, keyId: kid, message: `${profile.key} (key ID ${kid}); the OPD did not answer` };
  if (!registered)
    return {
      ok: false,
      keyId: kid,
      message: `${profile.key}: key ID ${kid} is not registered to ${sessionSubject(session)}`,
    };
  if (registered.status !== 'active')
    return {
      ok: false,
      keyId: kid,
      message: `${profile.key}: key ID ${kid} is ${registered.status}; ask the OPD for a new one`,
    };
  return { ok: true, keyId: kid, message: `${profile.key} (key ID ${kid}, registered and active)` };
}

/** Registers `po test`. */
export function registerTest(program: Command): void {
  program
    .command('test')
    .description('check connectivity, clock skew, the trusted server and receipt keys, and the session')
    .addHelpText(
      'after',
      '\nExit status 0 when every check passes, 1 when one fails (each is named), 3 when the API is unreachable.',
    )
    .action((_options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const profile = readProfile(name);
        const api = opdClient(profile.apiUrl);
        const started = Date.now();
        const health = await api.health();
        const roundTripMs = Date.now() - started;
        const skewSeconds = Math.round((Date.parse(health.time) - (started + roundTripMs / 2)) / 1000);
        const trust = await trustReport(api, profile);
        const session = readSession(name);
        let sessionState = 'not logged in';
        if (session) {
          sessionState = Date.parse(session.expiresAt) <= Date.now() ? 'expired' : 'valid';
          if (sessionState === 'valid') {
            await api
              .listOrders(session.token, { limit: '1' })
              .catch(() => (sessionState = 'refused by the server (revoked?)'));
          }
        }
        const signingKeyState = await checkSigningKey(profile, session, api);
        const failed = [
          ...(Math.abs(skewSeconds) > 60 ? ['clock'] : []),
          ...(signingKeyState.ok ? [] : ['signing key']),
          ...(trust.server.state === 'changed' ? ['server key'] : []),
          ...(trust.receipt.state === 'changed' ? ['receipt key'] : []),
          ...(sessionState === 'valid' ? [] : ['session']),
        ];
        const report = {
          api: profile.apiUrl,
          health: health.status,
          roundTripMs,
          clockSkewSeconds: skewSeconds,
          serverKey: trust.server,
          receiptKey: trust.receipt,
          signingKey: signingKeyState,
          session: sessionState,
          customerId: session?.kind === 'customer' ? session.customerId : (profile.customerId ?? null),
          ok: failed.length === 0,
          failed,
        };
        const keyLine = (what: 'server' | 'receipt', state: TrustState) =>
          state.state === 'changed'
            ? `CHANGED: trusted ${state.pinned?.fingerprint ?? ''}, the OPD now has ${state.current.kid} (fingerprint ${state.current.fingerprint}); check it with the OPD, then: ${trustCommand(what, state.current.fingerprint, name)}`
            : `${state.current.kid} (fingerprint ${state.current.fingerprint}${state.state === 'trusted' ? ', trusted' : ', not pinned yet: trusted on first order'})`;
        print(globals, report, () =>
          [
            `API           ${profile.apiUrl ?? ''}: ${health.status} in ${roundTripMs} ms`,
            `clock skew    ${skewSeconds} s${Math.abs(skewSeconds) > 60 ? `  (orders are refused beyond ${ORDER_LIMITS.maxClockSkewSeconds} s: fix the clock)` : ''}`,
            `server key    ${keyLine('server', trust.server)}`,
            `receipt key   ${keyLine('receipt', trust.receipt)}`,
            `signing key   ${signingKeyState.message}`,
            `session       ${sessionState}${session ? ` for ${sessionSubject(session)}, until ${session.expiresAt}` : ' (po login)'}`,
            failed.length === 0 ? 'all checks passed' : `FAILED: ${failed.join(', ')}`,
          ].join('\n'),
        );
        if (failed.length > 0) process.exitCode = EXIT.rejected;
      }),
    );
}
