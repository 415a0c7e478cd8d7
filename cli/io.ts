/**
 * File and stream I/O for the CLI, with errors that say which file and what is wrong (never what is in it).
 */
import { mkdir, open, unlink, writeFile } from 'node:fs/promises';
import { EnvelopeError, InputError } from '../shared/errors.js';
import { parsePrivateKeyPem, parsePublicKeyPem, signingKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';
import type { Profile } from './profile.js';
import type { KeyObject } from 'node:crypto';
import { MIN_PASSPHRASE_LENGTH } from '../shared/keygen.js';

/** Largest file the CLI reads (keys, passphrases): a PEM key is a few KiB; anything huge is the wrong file. */
const MAX_INPUT_FILE_BYTES = 1024 * 1024;

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/**
 * The first `limit` bytes of a file, or all of it when shorter. A device that never ends (/dev/zero), a pipe kept
 * open or a huge file is never read to its end: po stops at the limit instead of filling memory or waiting forever.
 */
async function readAtMost(path: string, limit: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const { bytesRead } = await file.read(buffer, length, limit - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
}

/**
 * Reads a small text file (at most MAX_INPUT_FILE_BYTES).
 * @throws InputError `file_not_found` or `file_unreadable`
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readAtMost(path, MAX_INPUT_FILE_BYTES + 1);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new InputError('file_not_found', `${what} ${path}: no such file`);
    if (code === 'EISDIR') throw new InputError('file_unreadable', `${what} ${path}: is a directory`);
    if (code === 'EACCES') throw new InputError('file_unreadable', `${what} ${path}: permission denied`);
    throw new InputError('file_unreadable', `${what} ${path}: cannot be read (${code ?? 'unknown error'})`);
  }
  if (data.length > MAX_INPUT_FILE_BYTES) throw new InputError('file_unreadable', `${what} ${path}: file too large`);
  return data.toString('utf8');
}

/** Prefixes a key error with the file it came from, keeping its code. */
function inFile<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

/**
 * Reads a passphrase file: its content less one trailing line break.
 * @throws InputError if unreadable or empty
 */
export async function readPassphraseFile(path: string): Promise<string> {
  const passphrase = (await readTextFile(path, 'passphrase file')).replace(/\r?\n$/, '');
  if (passphrase.length === 0) throw new InputError('usage', `passphrase file ${path} is empty`);
  return passphrase;
}

/** Like {@link readPassphraseFile}, for a new key: also enforces the minimum length. */
export async function readNewPassphraseFile(path: string): Promise<string> {
  const passphrase = await readPassphraseFile(path);
  if (passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new InputError('usage', `passphrase in ${path} is shorter than ${MIN_PASSPHRASE_LENGTH} characters`);
  return passphrase;
}

/** Reads and parses a PEM private key file (optionally with a passphrase file). */
export async function loadPrivateKey(path: string, passphraseFile?: string): Promise<KeyObject> {
  const pem = await readTextFile(path, 'private key');
  const passphrase = passphraseFile === undefined ? undefined : await readPassphraseFile(passphraseFile);
  return inFile(path, () => parsePrivateKeyPem(pem, passphrase));
}

/** Reads and parses a PEM public key file. */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  const pem = await readTextFile(path, 'public key');
  return inFile(path, () => parsePublicKeyPem(pem));
}

/** Runs a key check and names the file in its error. */
export function checkKeyFile<T>(path: string, check: () => T): T {
  return inFile(path, check);
}

/**
 * Writes a new file with `mode` set at creation (so a private key is never readable by others, not even briefly).
 * Refuses to replace an existing file unless `overwrite`.
 * @throws InputError `file_exists`
 */
export async function writeNewFile(
  path: string,
  content: string,
  mode: 0o600 | 0o644,
  overwrite: boolean,
  remedy = 'choose another --name or pass --force',
): Promise<void> {
  if (overwrite) await unlink(path).catch(() => undefined);
  try {
    await writeFile(path, content, { mode, flag: 'wx' });
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') throw new InputError('file_exists', `${path} exists; ${remedy}`);
    throw new InputError('file_unwritable', `${path}: cannot be written (${errnoCode(error) ?? 'unknown error'})`);
  }
}

/**
 * Creates a directory for keys (0700) if it does not exist.
 * @throws InputError `file_unwritable` when it cannot be (a file in the way, no permission, an empty name)
 */
export async function ensureKeyDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new InputError(
      'file_unwritable',
      `${path === '' ? 'an empty --out' : path}: cannot make the directory (${errnoCode(error) ?? 'unknown error'})`,
    );
  }
}

/**
 * Reads standard input up to `maxChars` (+ a little for a trailing newline), for `what` (named in errors). Refuses a
 * terminal: the input is piped.
 * @throws InputError `usage` on a terminal, `file_unreadable` past the bound (or what `tooLarge` makes)
 */
export async function readStdinText(
  maxChars: number,
  what: string,
  tooLarge: () => Error = () => new InputError('file_unreadable', `the ${what} on standard input is too large`),
): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('usage', `pipe the ${what} on standard input`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    if (length > maxChars + 64) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * Reads an envelope from standard input.
 * @throws InputError `usage` on a terminal; EnvelopeError `envelope_too_large` past the bound
 */
export function readStdin(maxChars: number): Promise<string> {
  return readStdinText(
    maxChars,
    'envelope (po envelope open … < order.jwe)',
    () => new EnvelopeError('envelope_too_large', `an envelope is at most ${maxChars} characters`),
  );
}

/** The signer of an order or a cancellation: the profile's key (or --key), checked. */
export async function signerFor(
  profile: Pick<Profile, 'key' | 'keyId' | 'passphraseFile'>,
  options: { key?: string; keyId?: string; passphraseFile?: string },
): Promise<SigningKey> {
  const keyFile = options.key ?? profile.key;
  if (!keyFile) throw new InputError('usage', 'which key signs the order? pass --key or set it with `po config --key`');
  const privateKey = await loadPrivateKey(keyFile, options.passphraseFile ?? profile.passphraseFile);
  return checkKeyFile(keyFile, () => signingKey(privateKey, options.keyId ?? profile.keyId));
}
