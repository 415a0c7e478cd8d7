/**
 * The browser's signature verification (web/crypto/signatures.ts) answers as the server's does (shared/envelope/jws.ts
 * `verifyJwsSignature`, node:crypto): for the published test vectors and for fresh keys of every algorithm and size,
 * on the valid signature and on tampered ones — the message with one bit flipped, the signature with one bit flipped
 * in each half, r or s set to 0, q or all ones, a non-canonical Ed25519 S, an RSA value ≥ the modulus, and every
 * wrong length. Each case states what both must answer, so a case fails if either verifier goes wrong.
 */
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode as b64uDecode } from '../shared/base64url.js';
import { parseJws, signJws, verifyJwsSignature } from '../shared/envelope/jws.js';
import type { ParsedJws } from '../shared/envelope/jws.js';
import { generateKeyPair } from '../shared/keygen.js';
import type { KeygenParameters } from '../shared/keygen.js';
import { DSA_SIZES, RSA_BITS, parsePublicKeyPem, signingKey, verificationKey } from '../shared/keys.js';
import type { SignatureAlg } from '../shared/keys.js';
import { RECEIPT_TYP, receiptKeyJwk } from '../shared/receipts.js';
import { dsaKeyFromSpki } from '../shared/dsa.js';
import { importCustomerKey, importReceiptKey, pemToDer, verifySignature } from '../web/crypto/signatures.js';
import type { SignatureVerifier } from '../web/crypto/signatures.js';

/** P-256's group order n (SEC 2 §2.4.2): ES256's q. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** Ed25519's group order L (RFC 8032 §5.1). */
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

interface Sample {
  readonly alg: SignatureAlg;
  readonly publicKey: KeyObject;
  readonly verifier: SignatureVerifier;
  readonly parsed: ParsedJws;
  /** q for DS256 and ES256, L for EdDSA, the modulus n for PS256: what a signature value must stay below. */
  readonly order: bigint;
}

/** Fresh keys: RSA at the minimum, the default and 4096 bits (RSA 8192's bounds are in web-crypto-keys.test.ts). */
const FRESH: ReadonlyArray<{ name: string; alg: SignatureAlg; parameters: KeygenParameters }> = [
  ...[RSA_BITS.min, RSA_BITS.default, 4096].map((bits) => ({
    name: `RSA ${bits}`,
    alg: 'PS256' as const,
    parameters: { type: 'rsa', options: { modulusLength: bits, publicExponent: 65537 }, label: '' } as const,
  })),
  ...DSA_SIZES.map(({ l, n }) => ({
    name: `DSA ${l}/${n}`,
    alg: 'DS256' as const,
    parameters: { type: 'dsa', options: { modulusLength: l, divisorLength: n }, label: '' } as const,
  })),
  { name: 'ECDSA P-256', alg: 'ES256', parameters: { type: 'ec', options: { namedCurve: 'prime256v1' }, label: '' } },
  { name: 'Ed25519', alg: 'EdDSA', parameters: { type: 'ed25519', options: {}, label: '' } },
];

interface VectorFile {
  valid: Array<{ name: string; customerKey: { alg: SignatureAlg; kid: string; publicKeyPem: string }; jws: string }>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../docs/envelope-vectors.json', import.meta.url), 'utf8'),
) as VectorFile;

const samples = new Map<string, Sample>();

function orderOf(alg: SignatureAlg, publicKey: KeyObject): bigint {
  const der = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  switch (alg) {
    case 'PS256':
      return BigInt(`0x${Buffer.from(b64uDecode(String(publicKey.export({ format: 'jwk' }).n))!).toString('hex')}`);
    case 'DS256':
      return dsaKeyFromSpki(der).q;
    case 'ES256':
      return P256_ORDER;
    case 'EdDSA':
      return ED25519_ORDER;
  }
}

async function sampleOf(jws: string, alg: SignatureAlg, publicKey: KeyObject, pem: string): Promise<Sample> {
  const verifier = await importCustomerKey(pemToDer(pem), alg);
  return { alg, publicKey, verifier, parsed: parseJws(jws), order: orderOf(alg, publicKey) };
}

beforeAll(async () => {
  const payload = Buffer.from(JSON.stringify({ iss: 'alice', note: 'a payload long enough to flip bits in' }));
  await Promise.all([
    ...FRESH.map(async ({ name, alg, parameters }) => {
      const pair = await generateKeyPair(parameters);
      const signer = signingKey(pair.privateKey);
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(signer.alg).toBe(alg);
      samples.set(name, await sampleOf(signJws(payload, signer), alg, pair.publicKey, pem));
    }),
    ...vectors.valid.map(async ({ name, customerKey, jws }) => {
      const publicKey = verificationKey(parsePublicKeyPem(customerKey.publicKeyPem), customerKey.kid).publicKey;
      samples.set(name, await sampleOf(jws, customerKey.alg, publicKey, customerKey.publicKeyPem));
    }),
  ]);
});

interface Tampered {
  readonly signingInput: string;
  readonly signature: Uint8Array;
}
interface Case {
  readonly name: string;
  /** What both verifiers must answer. */
  readonly verifies: boolean | ((alg: SignatureAlg) => boolean);
  readonly make: (sample: Sample) => Tampered;
}

const original = (sample: Sample): Tampered => ({
  signingInput: sample.parsed.signingInput,
  signature: sample.parsed.signature,
});
/** The signing input with bit `bit` (0–6: it stays ASCII) of its character at `at` flipped. */
function flipMessage(sample: Sample, at: (length: number) => number, bit: number): Tampered {
  const text = sample.parsed.signingInput;
  const index = at(text.length);
  const flipped = String.fromCharCode(text.charCodeAt(index) ^ (1 << bit));
  return { ...original(sample), signingInput: text.slice(0, index) + flipped + text.slice(index + 1) };
}
function flipSignature(sample: Sample, at: (length: number) => number, mask: number): Tampered {
  const signature = Uint8Array.from(sample.parsed.signature);
  signature[at(signature.length)]! ^= mask;
  return { ...original(sample), signature };
}
const toBytes = (value: bigint, length: number) =>
  Uint8Array.from(Buffer.from(value.toString(16).padStart(2 * length, '0'), 'hex'));
const toBigInt = (bytes: Uint8Array) => BigInt(`0x0${Buffer.from(bytes).toString('hex')}`);
/** r‖s (DS256, ES256) with one half replaced. */
function withHalf(
  sample: Sample,
  which: 'r' | 's',
  value: (current: bigint, q: bigint, allOnes: bigint) => bigint,
): Tampered {
  const signature = Uint8Array.from(sample.parsed.signature);
  const size = signature.length / 2;
  const offset = which === 'r' ? 0 : size;
  const current = toBigInt(signature.subarray(offset, offset + size));
  signature.set(toBytes(value(current, sample.order, (1n << BigInt(8 * size)) - 1n), size), offset);
  return { ...original(sample), signature };
}

const EVERY_ALGORITHM: Case[] = [
  { name: 'the valid signature', verifies: true, make: original },
  { name: 'the first message bit flipped', verifies: false, make: (s) => flipMessage(s, () => 0, 0) },
  { name: 'a middle message bit flipped', verifies: false, make: (s) => flipMessage(s, (n) => n >> 1, 3) },
  { name: 'the last message bit flipped', verifies: false, make: (s) => flipMessage(s, (n) => n - 1, 1) },
  {
    name: 'a signature one byte short',
    verifies: false,
    make: (s) => ({ ...original(s), signature: s.parsed.signature.subarray(0, -1) }),
  },
  {
    name: 'a signature one zero byte long',
    verifies: false,
    make: (s) => ({ ...original(s), signature: Buffer.concat([s.parsed.signature, Buffer.alloc(1)]) }),
  },
  {
    name: 'a signature one zero byte long in front',
    verifies: false,
    make: (s) => ({ ...original(s), signature: Buffer.concat([Buffer.alloc(1), s.parsed.signature]) }),
  },
  { name: 'an empty signature', verifies: false, make: (s) => ({ ...original(s), signature: new Uint8Array() }) },
  {
    name: 'an all-zero signature',
    verifies: false,
    make: (s) => ({ ...original(s), signature: new Uint8Array(s.parsed.signature.length) }),
  },
];

const R_AND_S: Case[] = [
  { name: 'the lowest bit of r flipped', verifies: false, make: (s) => withHalf(s, 'r', (r) => r ^ 1n) },
  { name: 'the top byte of r flipped', verifies: false, make: (s) => flipSignature(s, () => 0, 0xff) },
  { name: 'the lowest bit of s flipped', verifies: false, make: (s) => withHalf(s, 's', (v) => v ^ 1n) },
  { name: 'the top byte of s flipped', verifies: false, make: (s) => flipSignature(s, (n) => n / 2, 0xff) },
  { name: 'r = 0', verifies: false, make: (s) => withHalf(s, 'r', () => 0n) },
  { name: 's = 0', verifies: false, make: (s) => withHalf(s, 's', () => 0n) },
  { name: 'r = q', verifies: false, make: (s) => withHalf(s, 'r', (_, q) => q) },
  { name: 's = q', verifies: false, make: (s) => withHalf(s, 's', (_, q) => q) },
  { name: 'r = all ones (≥ q)', verifies: false, make: (s) => withHalf(s, 'r', (_, __, ones) => ones) },
  { name: 's = all ones (≥ q)', verifies: false, make: (s) => withHalf(s, 's', (_, __, ones) => ones) },
  // ECDSA is malleable this way (both verifiers accept: JOSE does not forbid high s); DSA is not.
  { name: 's → q − s', verifies: (alg) => alg === 'ES256', make: (s) => withHalf(s, 's', (v, q) => q - v) },
];

const RSA: Case[] = [
  { name: 'the first signature byte flipped', verifies: false, make: (s) => flipSignature(s, () => 0, 0x01) },
  { name: 'the last signature bit flipped', verifies: false, make: (s) => flipSignature(s, (n) => n - 1, 0x01) },
  {
    name: 'the signature = the modulus',
    verifies: false,
    make: (s) => ({ ...original(s), signature: toBytes(s.order, s.parsed.signature.length) }),
  },
  {
    name: 'an all-ones signature (≥ the modulus)',
    verifies: false,
    make: (s) => ({ ...original(s), signature: new Uint8Array(s.parsed.signature.length).fill(0xff) }),
  },
];

const ED25519: Case[] = [
  { name: 'a bit of R flipped', verifies: false, make: (s) => flipSignature(s, () => 5, 0x10) },
  { name: 'a bit of S flipped', verifies: false, make: (s) => flipSignature(s, () => 40, 0x10) },
  {
    // S is little-endian; S + L is the same scalar, refused as non-canonical (RFC 8032 §5.1.7).
    name: 'S → S + L (non-canonical)',
    verifies: false,
    make: (s) => {
      const signature = Uint8Array.from(s.parsed.signature);
      const scalar = toBigInt(signature.subarray(32).reverse()) + s.order;
      signature.set(toBytes(scalar, 32).reverse(), 32);
      return { ...original(s), signature };
    },
  },
];

const CASES: Record<SignatureAlg, Case[]> = {
  PS256: [...EVERY_ALGORITHM, ...RSA],
  DS256: [...EVERY_ALGORITHM, ...R_AND_S],
  ES256: [...EVERY_ALGORITHM, ...R_AND_S],
  EdDSA: [...EVERY_ALGORITHM, ...ED25519],
};

/** Every sample by name, with its algorithm: the vectors', then the fresh keys'. */
const SAMPLES: Array<[string, SignatureAlg]> = [
  ...vectors.valid.map((vector): [string, SignatureAlg] => [vector.name, vector.customerKey.alg]),
  ...FRESH.map(({ name, alg }): [string, SignatureAlg] => [name, alg]),
];

const utf8 = new TextEncoder();

describe.each(SAMPLES)('%s', (name, alg) => {
  it.each(CASES[alg])('$name: the browser answers as node:crypto does', async ({ verifies, make }) => {
    const sample = samples.get(name)!;
    const expected = typeof verifies === 'function' ? verifies(alg) : verifies;
    const { signingInput, signature } = make(sample);
    const node = verifyJwsSignature(
      { ...sample.parsed, signingInput, signature: Buffer.from(signature) },
      alg,
      sample.publicKey,
    );
    const browser = await verifySignature(sample.verifier, utf8.encode(signingInput), signature);
    expect({ node, browser }).toEqual({ node: expected, browser: expected });
  });
});

describe('receipt keys', () => {
  it("verifies a receipt with the key's JWK x, as node:crypto does, and refuses it changed", async () => {
    const pair = await generateKeyPair({ type: 'ed25519', options: {}, label: 'Ed25519' });
    const jwk = receiptKeyJwk(pair.publicKey);
    const jws = signJws(
      Buffer.from('{"status":"accepted"}'),
      { alg: 'EdDSA', kid: jwk.kid, privateKey: pair.privateKey },
      RECEIPT_TYP,
    );
    const parsed = parseJws(jws, RECEIPT_TYP);
    const verifier = await importReceiptKey(b64uDecode(jwk.x)!);
    expect(verifier).toEqual({ alg: 'EdDSA', signatureLength: 64 });
    expect(verifyJwsSignature(parsed, 'EdDSA', pair.publicKey)).toBe(true);
    expect(await verifySignature(verifier, utf8.encode(parsed.signingInput), parsed.signature)).toBe(true);
    const changed = `${parsed.signingInput.slice(0, -1)}${parsed.signingInput.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyJwsSignature({ ...parsed, signingInput: changed }, 'EdDSA', pair.publicKey)).toBe(false);
    expect(await verifySignature(verifier, utf8.encode(changed), parsed.signature)).toBe(false);
  });
});
