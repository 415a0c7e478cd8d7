/**
 * Proofs of possession (shared/key-proofs.ts, docs/envelope.md §11): every check, each refusal naming it — a proof
 * is taken from the key being added, never from what its header says.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { CANCEL_TYP } from '../shared/cancellations.js';
import { signJws } from '../shared/envelope/jws.js';
import { KEY_PROOF_TYP, keyProofClaims, signKeyProof, verifyKeyProof } from '../shared/key-proofs.js';
import { signingKey, verificationKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';

const NOW = Date.parse('2026-12-07T10:00:00.000Z');

function pair(type: 'ed25519' | 'ec' = 'ed25519', kid?: string) {
  const keys = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return { signer: signingKey(keys.privateKey, kid), verifier: verificationKey(keys.publicKey, kid) };
}

const context = (key: ReturnType<typeof pair>) => ({
  customerId: 'alice',
  opdId: 'opd',
  key: key.verifier,
  now: NOW,
});

/** A proof with `claims` over the honest ones, the header naming `kid`, signed with `by`, of type `typ`. */
function proof(
  key: ReturnType<typeof pair>,
  claims: Record<string, unknown> = {},
  by: SigningKey = key.signer,
  typ = KEY_PROOF_TYP,
): string {
  const honest = keyProofClaims({ customerId: 'alice', opdId: 'opd', kid: key.signer.kid, now: NOW });
  return signJws(Buffer.from(JSON.stringify({ ...honest, ...claims })), { ...by, kid: key.signer.kid }, typ);
}

const refused = (jws: string, key: ReturnType<typeof pair>, why: RegExp) => {
  let caught: unknown;
  try {
    verifyKeyProof(jws, context(key));
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({ code: 'key_proof_invalid', message: expect.stringMatching(why) as unknown });
};

describe('a proof of possession', () => {
  it('made by po (signKeyProof) verifies with the key it adds, its claims exactly sub, aud, iat, kid', () => {
    const key = pair();
    const jws = signKeyProof({ customerId: 'alice', opdId: 'opd', signer: key.signer, now: NOW });
    expect(JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      kid: key.signer.kid,
      typ: 'po-key-proof+jws',
    });
    expect(verifyKeyProof(jws, context(key))).toEqual({
      sub: 'alice',
      aud: 'opd',
      iat: NOW / 1000,
      kid: key.signer.kid,
    });
  });

  it('is refused when signed by a different key than the one added', () => {
    const key = pair();
    refused(proof(key, {}, pair().signer), key, /signature does not verify with the key being added/);
  });

  it('is refused for another customer (sub) or another OPD (aud)', () => {
    const key = pair();
    refused(proof(key, { sub: 'mallory' }), key, /another customer \(sub\)/);
    refused(proof(key, { aud: 'another-opd' }), key, /another OPD \(aud\), not to opd/);
  });

  it('is refused when older or newer than the clock-skew window (±300 s)', () => {
    const key = pair();
    refused(proof(key, { iat: NOW / 1000 - 301 }), key, /more than 300 s ago/);
    refused(proof(key, { iat: NOW / 1000 + 301 }), key, /more than 300 s in the future/);
    expect(() => verifyKeyProof(proof(key, { iat: NOW / 1000 - 300 }), context(key))).not.toThrow();
  });

  it('is refused with alg none, whatever the rest says', () => {
    const key = pair();
    const header = b64u(JSON.stringify({ alg: 'none', kid: key.signer.kid, typ: KEY_PROOF_TYP }));
    const claims = b64u(
      JSON.stringify(keyProofClaims({ customerId: 'alice', opdId: 'opd', kid: key.signer.kid, now: NOW })),
    );
    refused(`${header}.${claims}.`, key, /its alg is not EdDSA/);
  });

  it('is refused when its header alg is not the key’s own, even with a signature that verifies under it', () => {
    // The key added is P-256 (ES256); the proof claims EdDSA and is signed with an Ed25519 key under the same kid.
    const key = pair('ec');
    refused(proof(key, {}, pair().signer), key, /its alg is not ES256, the algorithm of the key being added/);
  });

  it('is refused when its header or its kid claim names another key ID than the one added', () => {
    const key = pair('ed25519', 'laptop');
    const other = { ...key, signer: { ...key.signer, kid: 'desktop' } };
    refused(proof(other), key, /header kid is not the ID of the key being added/);
    refused(proof(key, { kid: 'desktop' }), key, /kid claim is not the ID of the key being added/);
  });

  it('is refused as another kind of JWS (a cancellation), or with claims it should not have', () => {
    const key = pair();
    refused(proof(key, {}, key.signer, CANCEL_TYP), key, /typ must be "po-key-proof\+jws"/);
    refused(proof(key, { jti: 'x' }), key, /claims are invalid/);
    refused(proof(key, { sub: undefined }), key, /claims are invalid: sub must be a customer ID/);
    refused('not a jws', key, /compact JWS/);
  });

  it('is refused when its payload was changed after signing', () => {
    const key = pair();
    const [header, , signature] = proof(key).split('.');
    const forged = b64u(JSON.stringify({ sub: 'alice', aud: 'opd', iat: NOW / 1000, kid: key.signer.kid, x: 1 }));
    refused(`${header!}.${forged}.${signature!}`, key, /signature does not verify/);
  });
});
