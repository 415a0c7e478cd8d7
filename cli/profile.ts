/**
 * `po` configuration: named profiles (API URL, customer, signing key, pinned server and receipt keys) in
 * `config.json`, the session token of each profile in `sessions/<profile>.json`, and the evidence of every order the
 * profile placed in `evidence/<profile>/<order ID>.json`. Everything lives in `$PO_CONFIG_DIR`
 * (default `${XDG_CONFIG_HOME:-~/.config}/po`), the directories 0700 and every file 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '../shared/errors.js';
import { showable } from '../shared/display.js';

export interface Profile {
  apiUrl?: string;
  customerId?: string;
  /** Path of the customer's private key (PEM). */
  key?: string;
  keyId?: string;
  passphraseFile?: string;
  /** The server key this profile trusts: its ID and SPKI fingerprint, pinned on first use. */
  serverKey?: { kid: string; fingerprint: string };
  /** The OPD's receipt keys this profile trusts, by ID: fingerprint and the Ed25519 public key (JWK `x`). */
  receiptKeys?: Record<string, { fingerprint: string; x: string }>;
}

export interface Session {
  token: string;
  expiresAt: string;
  customerId: string;
  role: string;
}

export function configDirectory(): string {
  return process.env.PO_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'po');
}

function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write: enforce it
}

function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    throw new InputError('file_unreadable', `${file} is not valid JSON; fix or delete it`);
  }
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
  const shown = showable(JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name));
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
  return readJson<{ profiles?: Record<string, Profile> }>(configFile(), {}).profiles ?? {};
}

export function readProfile(name: string): Profile {
  return readJson<{ profiles?: Record<string, Profile> }>(configFile(), {}).profiles?.[checkProfileName(name)] ?? {};
}

export function writeProfile(name: string, profile: Profile): void {
  const config = readJson<{ profiles?: Record<string, Profile> }>(configFile(), {});
  writePrivateJson(configFile(), { ...config, profiles: { ...config.profiles, [checkProfileName(name)]: profile } });
}

export function readSession(name: string): Session | undefined {
  return readJson<Session | undefined>(sessionFile(checkProfileName(name)), undefined);
}

export function writeSession(name: string, session: Session): void {
  writePrivateJson(sessionFile(checkProfileName(name)), session);
}

/** Where the evidence bundle of an order placed with this profile is kept. */
export function evidenceFile(profile: string, orderId: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(orderId)) throw new InputError('usage', 'not an order ID');
  return join(configDirectory(), 'evidence', checkProfileName(profile), `${orderId}.json`);
}

/** Keeps an order's evidence bundle with the profile (0600); returns the file. */
export function saveEvidence(profile: string, orderId: string, bundle: unknown): string {
  const file = evidenceFile(profile, orderId);
  writePrivateJson(file, bundle);
  return file;
}

export function deleteSession(name: string): boolean {
  const file = sessionFile(checkProfileName(name));
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}
