/**
 * `po` configuration: named profiles (API URL, customer, signing key, pinned server and receipt keys) in
 * `config.json`, the session token of each profile in `sessions/<profile>.json`, and the evidence of every order the
 * profile placed in `evidence/<profile>/<order ID>.json`. Everything lives in `$PO_CONFIG_DIR`
 * (default `${XDG_CONFIG_HOME:-~/.config}/po`), the directories 0700 and every file 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../shared/errors.js';
import { quoted, showable } from '../shared/display.js';
import type { SessionView } from '../shared/services/sessions.js';
import { ORDER_ID_PATTERN } from '../shared/rules.js';

/**
 * A profile as `config.json` keeps it: where the OPD is, who logs in (a customer, or a member of the OPD's staff), the
 * customer's key, and what po trusts.
 */
export interface Profile {
  apiUrl?: string;
  customerId?: string;
  /** A staff member's ID: the profile logs in at `POST /staff/login` (never with `customerId` too). */
  staffId?: string;
  /** Path of the customer's private key (PEM). */
  key?: string;
  keyId?: string;
  passphraseFile?: string;
  /** The server key this profile trusts: its ID and SPKI fingerprint, pinned on first use. */
  serverKey?: { kid: string; fingerprint: string };
  /** The OPD's receipt keys this profile trusts, by ID: fingerprint and the Ed25519 public key (JWK `x`). */
  receiptKeys?: Record<string, { fingerprint: string; x: string }>;
}

/** A profile's session: what the OPD issued (`POST /login`, `/staff/login`, `/refresh`, `/password`), kept as it came. */
export type Session = SessionView;

/** A path as a message shows it: quoted, control and invisible characters visible, a long one shortened. */
const shownPath = (path: string) => quoted(path, 200);

/**
 * Where everything lives: `$PO_CONFIG_DIR`, else `$XDG_CONFIG_HOME/po`, else `~/.config/po`. An empty or relative
 * `$XDG_CONFIG_HOME` is ignored, as the XDG Base Directory specification says. `$PO_CONFIG_DIR` is po's own: set but
 * empty or relative, it is refused rather than read as "the current directory", where po would then keep sessions.
 * @throws InputError `usage` for an empty or relative `$PO_CONFIG_DIR`
 */
export function configDirectory(): string {
  const chosen = process.env.PO_CONFIG_DIR;
  if (chosen === '')
    throw new InputError('usage', '$PO_CONFIG_DIR is empty: set it to a directory (an absolute path) or unset it');
  if (chosen !== undefined && !isAbsolute(chosen))
    throw new InputError('usage', `$PO_CONFIG_DIR must be an absolute path, not ${shownPath(chosen)}`);
  if (chosen !== undefined) return chosen;
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'po');
}

/** An fs error's code (ENOTDIR, EACCES, …), for a message that says what is wrong without a stack. */
const errnoCode = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';

/**
 * Writes a private JSON file (0600) in a private directory (0700).
 * @throws InputError `file_unwritable` naming the file and the reason (a file where a directory should be, …)
 */
function writePrivateJson(file: string, value: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600); // an existing file keeps its mode on write: enforce it
  } catch (error) {
    throw new InputError(
      'file_unwritable',
      `${shownPath(file)} cannot be written (${errnoCode(error)}); po keeps its files in ${shownPath(configDirectory())} (another: $PO_CONFIG_DIR)`,
    );
  }
}

/**
 * Reads a JSON file, or `fallback` when there is none.
 * @throws InputError `file_unreadable` when it cannot be read or is not JSON
 */
function readJson(file: string, fallback: unknown): unknown {
  if (!existsSync(file)) return fallback;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError('file_unreadable', `${shownPath(file)} cannot be read (${errnoCode(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError('file_unreadable', `${shownPath(file)} is not valid JSON; fix or delete it`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields of a profile that hold text (a hand-edited file may hold anything). */
const PROFILE_TEXT_FIELDS = ['apiUrl', 'customerId', 'key', 'keyId', 'passphraseFile'] as const;

/**
 * `config.json`, checked for the shape po relies on: `{"profiles": {name: {…}}}`, each profile an object whose text
 * fields are text.
 * @throws InputError `file_unreadable` naming what is wrong, for a file edited by hand
 */
function readConfig(): { profiles?: Record<string, Profile> } & Record<string, unknown> {
  const file = configFile();
  const config = readJson(file, {});
  const wrong = (what: string) => new InputError('file_unreadable', `${shownPath(file)}: ${what}; fix or delete it`);
  if (!isRecord(config)) throw wrong('not a po configuration ({"profiles": {…}})');
  const profiles = config.profiles;
  if (profiles !== undefined && !isRecord(profiles)) throw wrong('"profiles" is not an object');
  for (const [name, profile] of Object.entries(profiles ?? {})) {
    if (!isRecord(profile)) throw wrong(`profile ${showable(JSON.stringify(name))} is not an object`);
    const field = PROFILE_TEXT_FIELDS.find((key) => profile[key] !== undefined && typeof profile[key] !== 'string');
    if (field) throw wrong(`${field} of profile ${showable(JSON.stringify(name))} is not text`);
  }
  return config;
}

const configFile = () => join(configDirectory(), 'config.json');
const sessionFile = (profile: string) => join(configDirectory(), 'sessions', `${profile}.json`);
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks a profile name (it becomes a file name). `source` says where it came from, for the message.
 * @throws InputError `usage`, with the rule in words
 */
export function checkProfileName(name: string, source = 'the profile name'): string {
  if (PROFILE_NAME.test(name)) return name;
  const rule = 'a profile name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';
  if (name === '') throw new InputError('usage', `${source} is empty: ${rule}`);
  const shown = quoted(name, 40);
  throw new InputError('usage', `${source} ${shown} is not a profile name: ${rule}`);
}

/** The profile an invocation uses: `--profile`, else `$PO_PROFILE` (even when set but empty), else "default". */
export function selectedProfile(option: string | undefined): string {
  if (option !== undefined) return checkProfileName(option, '--profile');
  const fromEnvironment = process.env.PO_PROFILE;
  return fromEnvironment === undefined ? 'default' : checkProfileName(fromEnvironment, '$PO_PROFILE');
}

/** Every profile, by name. */
export function readProfiles(): Record<string, Profile> {
  return readConfig().profiles ?? {};
}

/** The profile `name` (empty when it has not been configured). */
export function readProfile(name: string): Profile {
  return readConfig().profiles?.[checkProfileName(name)] ?? {};
}

/** Replaces the profile `name` in `config.json` (0600), leaving the others as they are. */
export function writeProfile(name: string, profile: Profile): void {
  const config = readConfig();
  writePrivateJson(configFile(), { ...config, profiles: { ...config.profiles, [checkProfileName(name)]: profile } });
}

/** The session kept for the profile, if any (expired or not). */
export function readSession(name: string): Session | undefined {
  const session = readJson(sessionFile(checkProfileName(name)), undefined);
  // A session kept by an older po (no `kind`) was issued in a form the OPD no longer accepts: log in again.
  return isRecord(session) && (session.kind === 'customer' || session.kind === 'staff')
    ? (session as unknown as Session)
    : undefined;
}

/** Keeps the profile's session (0600), replacing the one before. */
export function writeSession(name: string, session: Session): void {
  writePrivateJson(sessionFile(checkProfileName(name)), session);
}

/** Where the evidence bundle of an order placed with this profile is kept. */
export function evidenceFile(profile: string, orderId: string): string {
  if (!ORDER_ID_PATTERN.test(orderId)) throw new InputError('usage', 'not an order ID');
  return join(configDirectory(), 'evidence', checkProfileName(profile), `${orderId}.json`);
}

/** Keeps an order's evidence bundle with the profile (0600); returns the file. */
export function saveEvidence(profile: string, orderId: string, bundle: unknown): string {
  const file = evidenceFile(profile, orderId);
  writePrivateJson(file, bundle);
  return file;
}

/** Forgets the profile's session; true when there was one. */
export function deleteSession(name: string): boolean {
  const file = sessionFile(checkProfileName(name));
  if (!existsSync(file)) return false;
  try {
    rmSync(file);
  } catch (error) {
    throw new InputError('file_unwritable', `${shownPath(file)} cannot be removed (${errnoCode(error)})`);
  }
  return true;
}
