/**
 * The outer layer: a JWE compact serialization (RFC 7516) with `ECDH-ES` direct key agreement on X25519
 * (RFC 8037), the Concat KDF of RFC 7518 §4.6.2, and `A256GCM` content encryption.
 *
 * Everything that can fail while decrypting (bad ephemeral key, low-order point, wrong recipient key, altered
 * ciphertext, tag, IV or header) fails with one uniform `decryption_failed`: no decryption oracle.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decode as b64uDecode } from '../base64url.js';
import { EnvelopeError } from '../errors.js';
import { KEY_ID_PATTERN } from '../rules.js';
import {
  IV_BYTES,
  JWE_ALG as ALG,
  JWE_ENC as ENC,
  ORDER_JWE_CTY,
  TAG_BYTES,
  X25519_BYTES,
  compactJwe,
  concatKdfInput,
  jweProtectedHeader,
} from './jwe-format.js';
import { decodeJsonObject } from './jws.js';

export { ORDER_JWE_CTY } from './jwe-format.js';
/** Members a JWE header may have. `apu`/`apv` feed the KDF when a producer sets them; anything else is refused. */
const HEADER_MEMBERS = new Set(['alg', 'enc', 'kid', 'cty', 'epk', 'apu', 'apv', 'typ']);

/** The recipient of an envelope: the OPD's current server key. */
export interface ServerPublicKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
}

/** A compact JWE split and checked for shape; not yet decrypted. */
export interface ParsedJwe {
  readonly kid: string;
  readonly protectedB64: string;
  readonly epk: { readonly kty: 'OKP'; readonly crv: 'X25519'; readonly x: string };
  readonly apu: Uint8Array;
  readonly apv: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** Concat KDF (NIST SP 800-56A) as RFC 7518 §4.6.2 uses it for direct ECDH-ES with A256GCM: one SHA-256 round. */
export function concatKdf(sharedSecret: Uint8Array, apu: Uint8Array, apv: Uint8Array): Buffer {
  // createHash rather than crypto.hash (Node 20.12+): `po` is shipped for every Node 20 (docs/design.md).
  return createHash('sha256')
    .update(concatKdfInput(sharedSecret, apu, apv))
    .digest();
}

/** Test-vector hooks: a fixed ephemeral key and IV make the output reproducible. Never set them otherwise. */
export interface DeterministicInputs {
  readonly ephemeralPrivateKey: KeyObject;
  readonly iv: Uint8Array;
}

/** Encrypts `plaintext` (the order JWS) to the server key and returns the compact JWE. */
export function encryptJwe(plaintext: Uint8Array, recipient: ServerPublicKey, fixed?: DeterministicInputs): string {
  const ephemeralPrivateKey = fixed?.ephemeralPrivateKey ?? generateKeyPairSync('x25519').privateKey;
  const epk = createPublicKey(ephemeralPrivateKey).export({ format: 'jwk' });
  const protectedB64 = jweProtectedHeader(recipient.kid, epk.x!);
  const cek = concatKdf(
    diffieHellman({ privateKey: ephemeralPrivateKey, publicKey: recipient.publicKey }),
    Buffer.alloc(0),
    Buffer.alloc(0),
  );
  const iv = fixed?.iv ?? randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return compactJwe(protectedB64, iv, ciphertext, cipher.getAuthTag());
}

function malformed(message: string): EnvelopeError {
  return new EnvelopeError('envelope_malformed', message);
}

function headerInvalid(message: string): EnvelopeError {
  return new EnvelopeError('envelope_header_invalid', message);
}

/** The absent `apu` or `apv`: no bytes (one shared instance, as nothing can be written into it). */
const NO_BYTES = new Uint8Array(0);

function optionalB64(value: unknown, name: string): Uint8Array {
  if (value === undefined) return NO_BYTES;
  const bytes = typeof value === 'string' ? b64uDecode(value) : undefined;
  if (!bytes) throw headerInvalid(`the JWE ${name} must be base64url`);
  return bytes;
}

/**
 * Splits a compact JWE and checks everything that can be checked without a key.
 * @throws EnvelopeError `envelope_malformed` (structure, encoding) or `envelope_header_invalid` (header content)
 */
export function parseJwe(jwe: string): ParsedJwe {
  const parts = jwe.split('.');
  if (parts.length !== 5) throw malformed('an envelope is a compact JWE: 5 base64url parts separated by "."');
  const [protectedB64, encryptedKeyB64, ivB64, ciphertextB64, tagB64] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const header = decodeJsonObject(protectedB64);
  if (!header) throw malformed('the JWE header is not a base64url-encoded JSON object with unique members');
  const iv = b64uDecode(ivB64);
  const ciphertext = b64uDecode(ciphertextB64);
  const tag = b64uDecode(tagB64);
  if (!iv || !ciphertext || !tag) throw malformed('the JWE IV, ciphertext or tag is not base64url');

  const extra = Object.keys(header).find((name) => !HEADER_MEMBERS.has(name));
  if (extra !== undefined) throw headerInvalid(`the JWE header has an unsupported member "${extra.slice(0, 32)}"`);
  if (header.alg !== ALG) throw headerInvalid(`the JWE alg must be "${ALG}"`);
  if (header.enc !== ENC) throw headerInvalid(`the JWE enc must be "${ENC}"`);
  if (header.cty !== ORDER_JWE_CTY) throw headerInvalid(`the JWE cty must be "${ORDER_JWE_CTY}"`);
  if (header.typ !== undefined && typeof header.typ !== 'string') throw headerInvalid('the JWE typ must be a string');
  if (typeof header.kid !== 'string' || !KEY_ID_PATTERN.test(header.kid))
    throw headerInvalid('the JWE kid is missing or invalid');
  if (encryptedKeyB64 !== '') throw headerInvalid('ECDH-ES direct key agreement has an empty encrypted key part');
  if (iv.length !== IV_BYTES) throw headerInvalid(`the JWE IV must be ${IV_BYTES} bytes`);
  if (tag.length !== TAG_BYTES) throw headerInvalid(`the JWE tag must be ${TAG_BYTES} bytes`);
  const epk = header.epk as Record<string, unknown> | undefined;
  if (
    typeof epk !== 'object' ||
    epk === null ||
    Object.keys(epk).length !== 3 ||
    epk.kty !== 'OKP' ||
    epk.crv !== 'X25519' ||
    typeof epk.x !== 'string' ||
    b64uDecode(epk.x)?.length !== X25519_BYTES
  )
    throw headerInvalid('the JWE epk must be an X25519 public JWK {kty, crv, x}');
  return {
    kid: header.kid,
    protectedB64,
    epk: { kty: 'OKP', crv: 'X25519', x: epk.x },
    apu: optionalB64(header.apu, 'apu'),
    apv: optionalB64(header.apv, 'apv'),
    iv,
    ciphertext,
    tag,
  };
}

/**
 * Decrypts a parsed JWE with the server's X25519 private key.
 * @throws EnvelopeError `decryption_failed`, whatever went wrong
 */
export function decryptJwe(parsed: ParsedJwe, serverPrivateKey: KeyObject): Buffer {
  try {
    const ephemeralPublicKey = createPublicKey({ key: parsed.epk, format: 'jwk' });
    const sharedSecret = diffieHellman({ privateKey: serverPrivateKey, publicKey: ephemeralPublicKey });
    // A low-order ephemeral point yields an all-zero secret (RFC 7748 §6.1); OpenSSL refuses it too. Belt and braces.
    if (sharedSecret.every((byte) => byte === 0)) throw new Error('all-zero shared secret');
    const decipher = createDecipheriv('aes-256-gcm', concatKdf(sharedSecret, parsed.apu, parsed.apv), parsed.iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(parsed.protectedB64, 'ascii'));
    decipher.setAuthTag(parsed.tag);
    // GCM is a stream mode: update returns every byte, final only checks the tag (and throws if it does not hold).
    const plaintext = decipher.update(parsed.ciphertext);
    decipher.final();
    return plaintext;
  } catch {
    throw new EnvelopeError('decryption_failed', 'the envelope could not be decrypted');
  }
}
