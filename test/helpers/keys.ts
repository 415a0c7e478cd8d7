/** Key fixtures for tests: generated at test time, never stored. */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { beforeAll } from 'vitest';
import { signingKey, verificationKey } from '../../shared/keys.js';
import type { KeyAlgorithm, SigningKey, VerificationKey } from '../../shared/keys.js';
import type { OpenOrderOptions } from '../../shared/envelope/index.js';
import { generateKeyPair, keygenParameters } from '../../shared/keygen.js';

export const SIGNING_ALGORITHMS = ['rsa', 'dsa', 'ecdsa', 'ed25519'] as const satisfies readonly KeyAlgorithm[];
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface CustomerKey {
  readonly signer: SigningKey;
  readonly verifier: VerificationKey;
}

export interface ServerKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A customer key pair. RSA uses the minimum size (2048) to keep the suite fast; sizes are tested separately. */
export async function customerKey(algorithm: SigningAlgorithm, kid?: string): Promise<CustomerKey> {
  const pair = await generateKeyPair(keygenParameters(algorithm, algorithm === 'rsa' ? 2048 : undefined));
  return { signer: signingKey(pair.privateKey, kid), verifier: verificationKey(pair.publicKey, kid) };
}

/** One customer key per signing algorithm. */
export async function customerKeys(): Promise<Record<SigningAlgorithm, CustomerKey>> {
  const [rsa, dsa, ecdsa, ed25519] = await Promise.all(SIGNING_ALGORITHMS.map((algorithm) => customerKey(algorithm)));
  return { rsa: rsa!, dsa: dsa!, ecdsa: ecdsa!, ed25519: ed25519! };
}

export async function serverKey(kid = 'server-1'): Promise<ServerKey> {
  const pair = await generateKeyPair(keygenParameters('x25519'));
  return { kid, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/**
 * The keys a test file shares, made once by {@link makeKeysBeforeAll}: one server key, and one customer key per signing
 * algorithm. Live bindings: read them inside tests, after the file's `beforeAll` has run.
 */
export let server: ServerKey;
export let keys: Record<SigningAlgorithm, CustomerKey>;

/** Makes {@link server} and {@link keys} once, before the calling file's tests (its `beforeAll`). */
export function makeKeysBeforeAll(): void {
  beforeAll(async () => {
    [server, keys] = await Promise.all([serverKey(), customerKeys()]);
  });
}

/** Options for openOrder: one server key, the given customer keys, customer `alice` by default. */
export function openOptions(
  server: ServerKey,
  keys: readonly VerificationKey[],
  overrides: Partial<OpenOrderOptions> = {},
): OpenOrderOptions {
  return {
    customerId: 'alice',
    serverKey: (kid) => (kid === server.kid ? server.privateKey : undefined),
    customerKey: (kid) => keys.find((key) => key.kid === kid),
    ...overrides,
  };
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A 32-byte private key made from raw bytes. Test vectors derive their private keys from public labels this way, so
 * no private key is stored in the repository (docs/envelope.md §8).
 */
export function rawPrivateKey(type: 'x25519' | 'ed25519', raw: Buffer): KeyObject {
  const prefix = type === 'x25519' ? X25519_PKCS8_PREFIX : ED25519_PKCS8_PREFIX;
  return createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
}

export function publicOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
