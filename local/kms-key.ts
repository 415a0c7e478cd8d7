/**
 * The local KMS key's file: with a data directory the key is kept in `<dataDirectory>/kms-key.json` (0600), so what
 * it encrypted (the server and receipt keys) still decrypts after a restart; without one a fresh key lives in memory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStackError } from './errors.js';
import { newLocalKmsKey } from './kms.js';
import type { LocalKmsKey } from './kms.js';

/**
 * The key kept in `dataDirectory` (made and written there on the first start), or a fresh one when there is none.
 * @throws LocalStackError if the key file cannot be read back as a key
 */
export function loadOrCreateKmsKey(dataDirectory: string | undefined): LocalKmsKey {
  if (!dataDirectory) return newLocalKmsKey();
  const file = join(dataDirectory, 'kms-key.json');
  if (!existsSync(file)) {
    const key = newLocalKmsKey();
    writeFileSync(
      file,
      JSON.stringify({ keyId: key.keyId, alias: key.alias, material: key.material.toString('base64') }),
      { mode: 0o600 },
    );
    return key;
  }
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { keyId: string; alias: string; material: string };
    const material = Buffer.from(stored.material, 'base64');
    if (material.length !== 32 || typeof stored.keyId !== 'string') throw new Error('bad key');
    return { keyId: stored.keyId, alias: stored.alias, material };
  } catch {
    throw new LocalStackError(
      `the local KMS key ${file} is corrupt`,
      `move ${dataDirectory} aside to start afresh, or use --in-memory`,
    );
  }
}
