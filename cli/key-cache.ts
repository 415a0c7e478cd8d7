/**
 * The OPD's public keys as po keeps them between runs: the answers of `GET /server-key` and `GET /receipt-keys`, kept
 * for as long as the OPD's `Cache-Control: max-age` allows (60 s and 300 s today: functions/read), so that a steady
 * `po order` asks only for the quote and sends the order. One file per profile, `cache/<profile>.json` in
 * `$PO_CONFIG_DIR` (0600 in a 0700 directory), written whole to a new file and renamed over the old one, so that a run
 * never reads half of another's. It holds public keys only, never a token or a private key.
 *
 * Nothing in it is trusted for what it is: whoever reads an answer from here checks it exactly as a fresh one (the same
 * parsing, the same pins), and anything unreadable, for another API URL, or out of date is as if absent.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { checkProfileName, configDirectory } from './profile.js';

/** The answers po keeps. */
export type CachedAnswer = 'serverKey' | 'receiptKeys';

/**
 * The longest po keeps an answer, whatever the OPD says: an hour. A key rotation goes unseen by a running po for at
 * most this long even if a misconfigured OPD (or a proxy) sent a far longer max-age.
 */
export const MAX_KEPT_SECONDS = 3600;

/**
 * How many seconds from now an answer may be kept, from its `Cache-Control` and `Age` headers: its `max-age` less its
 * `Age`, at most {@link MAX_KEPT_SECONDS}. No `max-age`, `no-store` or `no-cache` is 0: an answer without the OPD's word
 * on its freshness is not kept (po then asks each time, as it did before it kept anything).
 */
export function keepForSeconds(cacheControl: string | null, age: string | null): number {
  const directives = (cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((directive) => directive.trim());
  if (directives.some((directive) => /^no-(store|cache)\b/.test(directive))) return 0;
  const maxAge = directives.map((directive) => /^max-age="?(\d{1,10})"?$/.exec(directive)?.[1]).find(Boolean);
  if (maxAge === undefined) return 0;
  const already = /^\d{1,10}$/.test(age?.trim() ?? '') ? Number(age) : 0;
  return Math.min(Math.max(0, Number(maxAge) - already), MAX_KEPT_SECONDS);
}

interface Entry {
  readonly storedAt: number;
  readonly expiresAt: number;
  readonly answer: unknown;
}

/** The kept answers of one profile, for the OPD at one API URL. */
export interface KeyCache {
  /** The kept answer, if there is one for this API URL that is still fresh (unchecked: check it as a fresh one). */
  read(what: CachedAnswer): unknown;
  /** Keeps `answer` for `seconds` (nothing is kept for 0), replacing the one before. Never fails the command. */
  store(what: CachedAnswer, answer: unknown, seconds: number): void;
  /** Forgets the kept answer (it proved stale). */
  forget(what: CachedAnswer): void;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The cache of `profile` for the OPD at `apiUrl`. With `use: false` (`po order --no-cache`) nothing kept is read, but
 * the fresh answers are kept for the next run. `now` is the clock (milliseconds).
 */
export function keyCache(
  profile: string,
  apiUrl: string,
  options: { use?: boolean; now?: () => number } = {},
): KeyCache {
  const directory = join(configDirectory(), 'cache');
  const file = join(directory, `${checkProfileName(profile)}.json`);
  const now = options.now ?? Date.now;

  /** The entries kept for this API URL; anything unreadable or for another URL is none. */
  const entries = (): Partial<Record<CachedAnswer, unknown>> => {
    try {
      const kept: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return isRecord(kept) && kept.apiUrl === apiUrl && isRecord(kept.entries) ? kept.entries : {};
    } catch {
      return {};
    }
  };
  const write = (next: Partial<Record<CachedAnswer, unknown>>) => {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      writeFileSync(temporary, `${JSON.stringify({ apiUrl, entries: next })}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(temporary, file);
    } catch {
      // A cache that cannot be written costs two requests next time, nothing more: the command goes on.
      rmSync(temporary, { force: true });
    }
  };

  return {
    read(what) {
      if (options.use === false) return undefined;
      const entry = entries()[what];
      if (!isRecord(entry)) return undefined;
      const { storedAt, expiresAt } = entry as Partial<Entry>;
      const at = now();
      // A clock set back (or an entry stored "in the future") makes the entry stale, as does its end.
      const fresh =
        typeof storedAt === 'number' &&
        typeof expiresAt === 'number' &&
        storedAt <= at &&
        at < expiresAt &&
        expiresAt - storedAt <= MAX_KEPT_SECONDS * 1000;
      return fresh ? entry.answer : undefined;
    },
    store(what, answer, seconds) {
      const { [what]: _replaced, ...others } = entries();
      if (seconds <= 0) {
        if (_replaced !== undefined) write(others);
        return;
      }
      const storedAt = now();
      write({ ...others, [what]: { storedAt, expiresAt: storedAt + seconds * 1000, answer } satisfies Entry });
    },
    forget(what) {
      const { [what]: forgotten, ...others } = entries();
      if (forgotten !== undefined) write(others);
    },
  };
}
