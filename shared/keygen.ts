/**
 * Making keys (`po keygen`, the OPD's own key pairs) and writing them out as PEM: PKCS#8 private keys, optionally
 * encrypted, and SPKI public keys, as OpenSSL reads them. Sizes are checked against the same rules as every key that
 * enters the system (shared/keys.ts).
 */
import { generateKeyPair as generateKeyPairCb } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KeyError } from './errors.js';
import { DSA_DEFAULT_BITS, DSA_KEYGEN_N, RSA_BITS, describeKey } from './keys.js';
import type { KeyAlgorithm, KeyInfo } from './keys.js';

const generateKeyPairAsync = promisify(generateKeyPairCb);

/** A generated key pair. */
export interface GeneratedKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly info: KeyInfo;
}

/** Validated key-generation parameters; `label` names the key for people ("DSA 2048/224"). */
export type KeygenParameters =
  | {
      readonly type: 'rsa';
      readonly options: { modulusLength: number; publicExponent: number };
      readonly label: string;
    }
  | { readonly type: 'dsa'; readonly options: { modulusLength: number; divisorLength: number }; readonly label: string }
  | { readonly type: 'ec'; readonly options: { namedCurve: 'prime256v1' }; readonly label: string }
  | { readonly type: 'ed25519' | 'x25519'; readonly options: Record<string, never>; readonly label: string };

/**
 * Checks a requested key size and returns the generation parameters.
 * @param bits RSA modulus (2048–8192, default 3072) or DSA L (2048 or 3072, default 2048); ignored for the others.
 * @throws KeyError `key_too_small`, `key_too_large` or `key_unsupported` for a size that is not allowed
 */
export function keygenParameters(algorithm: KeyAlgorithm, bits?: number): KeygenParameters {
  switch (algorithm) {
    case 'rsa': {
      const modulusLength = bits ?? RSA_BITS.default;
      if (modulusLength < RSA_BITS.min)
        throw new KeyError('key_too_small', `RSA keys need at least ${RSA_BITS.min} bits`);
      if (modulusLength > RSA_BITS.max)
        throw new KeyError('key_too_large', `RSA keys are limited to ${RSA_BITS.max} bits`);
      return { type: 'rsa', options: { modulusLength, publicExponent: 65537 }, label: `RSA ${modulusLength}` };
    }
    case 'dsa': {
      const modulusLength = bits ?? DSA_DEFAULT_BITS;
      if (modulusLength < 2048) throw new KeyError('key_too_small', 'DSA keys need at least 2048 bits');
      const divisorLength = DSA_KEYGEN_N[modulusLength];
      if (divisorLength === undefined) throw new KeyError('key_unsupported', 'DSA keys are 2048 or 3072 bits');
      return { type: 'dsa', options: { modulusLength, divisorLength }, label: `DSA ${modulusLength}/${divisorLength}` };
    }
    case 'ecdsa':
      return { type: 'ec', options: { namedCurve: 'prime256v1' }, label: 'ECDSA P-256' };
    case 'ed25519':
    case 'x25519':
      return { type: algorithm, options: {}, label: algorithm === 'ed25519' ? 'Ed25519' : 'X25519' };
  }
}

/** Generates a key pair off the main thread (RSA and DSA generation take up to seconds). */
export async function generateKeyPair(parameters: KeygenParameters): Promise<GeneratedKeyPair> {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (parameters.type) {
    case 'rsa':
      pair = await generateKeyPairAsync('rsa', parameters.options);
      break;
    case 'dsa':
      pair = await generateKeyPairAsync('dsa', parameters.options);
      break;
    case 'ec':
      pair = await generateKeyPairAsync('ec', parameters.options);
      break;
    case 'ed25519':
      pair = await generateKeyPairAsync('ed25519');
      break;
    case 'x25519':
      pair = await generateKeyPairAsync('x25519');
      break;
  }
  return { ...pair, info: describeKey(pair.publicKey) };
}

/** Minimum passphrase length for keys this project encrypts. */
export const MIN_PASSPHRASE_LENGTH = 8;

/** PEM PKCS#8 of a private key; with a passphrase, encrypted PKCS#8 (PBES2, AES-256-CBC) that OpenSSL reads. */
export function exportPrivateKeyPem(privateKey: KeyObject, passphrase?: string): string {
  if (passphrase === undefined) return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}
