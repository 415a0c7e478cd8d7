/** Keys for the tests of the page's crypto (web/crypto/): Node's keys carried into WebCrypto, as the portal would. */
import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { exportPublicKeyPem } from '../../shared/keys.js';
import { exportPrivateKeyPem } from '../../shared/keygen.js';
import { importServerKey } from '../../web/crypto/jwe.js';
import type { BrowserServerKey, PageDeterministicInputs } from '../../web/crypto/jwe.js';
import { importPkcs8Pem } from '../../web/crypto/keys.js';
import type { ImportedBrowserKey } from '../../web/crypto/keys.js';

/** A Node private key in the page, through the PEM file `po keygen` writes. */
export function pageKey(privateKey: KeyObject): Promise<ImportedBrowserKey> {
  return importPkcs8Pem(exportPrivateKeyPem(privateKey));
}

/** A Node X25519 public key as the page reads `GET /server-key`. */
export function pageServerKey(kid: string, publicKey: KeyObject): Promise<BrowserServerKey> {
  return importServerKey({ kid, publicKeyPem: exportPublicKeyPem(publicKey) });
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A fixed ephemeral X25519 key (from its 32 raw bytes) and IV, as the test vectors fix them. */
export async function fixedInputs(rawPrivateKey: Uint8Array, iv: Uint8Array): Promise<PageDeterministicInputs> {
  const pkcs8 = Uint8Array.from(Buffer.concat([X25519_PKCS8_PREFIX, rawPrivateKey]));
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
  const { x } = await crypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await crypto.subtle.importKey(
    'jwk',
    { kty: 'OKP', crv: 'X25519', x },
    { name: 'X25519' },
    true,
    [],
  );
  return { ephemeral: { privateKey, publicKey }, iv };
}

/** The 32 bytes SHA-256(ASCII(label)): how the test vectors name their private keys. */
export const labelBytes = (label: string) => new Uint8Array(createHash('sha256').update(label, 'ascii').digest());
