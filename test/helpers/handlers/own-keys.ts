/**
 * The world of the own-keys suites (GET/POST/DELETE /account/keys): customer `alice` with one Ed25519 key, the
 * tables stateful (../aws/tables.ts: conditions evaluated, transactions all or nothing), the password function
 * imported anew before each test ({@link coldStartBeforeEach}), and the requests and proofs the tests make. `world`,
 * `tables` and `handler` are live bindings: read them inside tests.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { signJws } from '../../../shared/envelope/jws.js';
import { KEY_PROOF_TYP, keyProofClaims, signKeyProof } from '../../../shared/key-proofs.js';
import { exportPublicKeyPem, signingKey } from '../../../shared/keys.js';
import type { SigningKey } from '../../../shared/keys.js';
import { addCustomer, apiEvent, installWorld, lambdaContext } from '../aws.js';
import type { World } from '../aws.js';
import { installTables } from '../aws/tables.js';
import type { Tables } from '../aws/tables.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
export let world: World;
export let tables: Tables;
export let handler: Handler;

export const PASSWORD = 'correct horse battery';
/** The OPD's ID in the tests' configuration (OPD_ID unset: the default). */
export const OPD_ID = 'opd';
export const ALICE = { customerId: 'alice', role: 'customer' as const };

/** A new key pair of `type`, signing under its fingerprint (or `kid`), with its public PEM. */
export function newKey(type: 'ed25519' | 'ec' = 'ed25519', kid?: string) {
  const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  const signer = signingKey(pair.privateKey, kid);
  return { signer, publicKey: pair.publicKey, publicKeyPem: exportPublicKeyPem(pair.publicKey) };
}

/** Alice's key at the start of each test (Ed25519, registered under its fingerprint). */
export let aliceKey: ReturnType<typeof newKey>;

/** A fresh world, stateful tables and a freshly imported password function before each of the calling file's tests. */
export function coldStartBeforeEach(): void {
  beforeEach(async () => {
    world = installWorld();
    tables = installTables(world);
    vi.resetModules();
    handler = (await import('../../../functions/password/index.js')).handler as unknown as Handler;
    aliceKey = newKey();
    await addCustomer(world, 'alice', PASSWORD, [
      { kid: aliceKey.signer.kid, alg: 'EdDSA', publicKey: aliceKey.publicKey },
    ]);
  });
}

/** A proof for `signer`'s key as `po keys add` makes it, claims overridden by `overrides`, signed by `signedBy`. */
export function proofFor(
  signer: SigningKey,
  overrides: Record<string, unknown> = {},
  signedBy: SigningKey = signer,
): string {
  if (Object.keys(overrides).length === 0 && signedBy === signer)
    return signKeyProof({ customerId: 'alice', opdId: OPD_ID, signer });
  const claims = { ...keyProofClaims({ customerId: 'alice', opdId: OPD_ID, kid: signer.kid }), ...overrides };
  return signJws(Buffer.from(JSON.stringify(claims)), { ...signedBy, kid: signer.kid }, KEY_PROOF_TYP);
}

/** `POST /account/keys` with `body`, in alice's session unless told otherwise. */
export const addKey = (body: unknown, session: { customerId: string; role: 'customer' } = ALICE) =>
  handler(apiEvent({ method: 'POST', resource: '/account/keys', body, session }), lambdaContext);

/** `POST /account/keys` for `key`, with its proof and alice's password. */
export const addKeyOf = (key: ReturnType<typeof newKey>, extra: Record<string, unknown> = {}) =>
  addKey({ publicKeyPem: key.publicKeyPem, proof: proofFor(key.signer), password: PASSWORD, ...extra });

/** `DELETE /account/keys/{kid}` with `body`. */
export const revokeKey = (kid: string, body: unknown = { password: PASSWORD }) =>
  handler(
    apiEvent({
      method: 'DELETE',
      resource: '/account/keys/{kid}',
      path: `/account/keys/${kid}`,
      pathParameters: { kid },
      body,
      session: ALICE,
    }),
    lambdaContext,
  );

/** `GET /account/keys`. */
export const listKeys = () =>
  handler(apiEvent({ method: 'GET', resource: '/account/keys', session: ALICE }), lambdaContext);

/** What the audit and notices tables hold. */
export const auditRecords = () => tables.audit();
export const notices = () => tables.items('notices');
