/** The test vectors published in docs/envelope-vectors.json open, reproduce byte for byte, and fail as documented. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { decode as b64uDecode } from '../shared/base64url.js';
import { openOrder } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { exportPublicKeyPem, parsePublicKeyPem, signingKey, verificationKey } from '../shared/keys.js';
import type { SignatureAlg } from '../shared/keys.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { publicOf, rawPrivateKey } from './helpers/keys.js';

interface CustomerKeyVector {
  alg: SignatureAlg;
  kid: string;
  publicKeyPem: string;
  privateKeyLabel?: string;
}
interface Vectors {
  server: { kid: string; privateKeyLabel: string; publicKeyPem: string };
  valid: Array<{
    name: string;
    customerId: string;
    customerKey: CustomerKeyVector;
    verifyAt: number;
    claims: Record<string, unknown>;
    ephemeralKeyLabel: string;
    iv: string;
    jws: string;
    envelope: string;
  }>;
  invalid: Array<{
    name: string;
    customerId: string;
    customerKey: SignatureAlg;
    verifyAt: number;
    expectedCode: string;
    envelope: string;
  }>;
}

const vectors = JSON.parse(readFileSync(new URL('../docs/envelope-vectors.json', import.meta.url), 'utf8')) as Vectors;
const fromLabel = (type: 'x25519' | 'ed25519', label: string) =>
  rawPrivateKey(type, createHash('sha256').update(label, 'ascii').digest());
const serverPrivateKey = fromLabel('x25519', vectors.server.privateKeyLabel);

function keyFor(vector: CustomerKeyVector) {
  const key = verificationKey(parsePublicKeyPem(vector.publicKeyPem), vector.kid);
  expect(key.alg).toBe(vector.alg);
  return key;
}

function openVector(envelope: string, customerId: string, key: CustomerKeyVector, verifyAt: number) {
  const verifier = keyFor(key);
  return openOrder(envelope, {
    customerId,
    serverKey: (kid) => (kid === vectors.server.kid ? serverPrivateKey : undefined),
    customerKey: (kid) => (kid === verifier.kid ? verifier : undefined),
    now: verifyAt * 1000,
  });
}

describe('envelope test vectors', () => {
  it('has a server key pair that matches its label', () => {
    expect(exportPublicKeyPem(publicOf(serverPrivateKey))).toBe(vectors.server.publicKeyPem);
    expect(vectors.valid.map((v) => v.customerKey.alg).sort()).toEqual(['DS256', 'ES256', 'EdDSA', 'PS256']);
  });

  describe.each(vectors.valid)('$name', (vector) => {
    it('opens to the documented claims and keeps the JWS verbatim', async () => {
      const opened = await openVector(vector.envelope, vector.customerId, vector.customerKey, vector.verifyAt);
      expect(opened.claims).toEqual(vector.claims);
      expect(opened.jws).toBe(vector.jws);
      expect(opened.alg).toBe(vector.customerKey.alg);
    });

    it('re-encrypts byte for byte from the derived ephemeral key and IV', () => {
      const envelope = encryptJwe(
        Buffer.from(vector.jws),
        { kid: vectors.server.kid, publicKey: publicOf(serverPrivateKey) },
        { ephemeralPrivateKey: fromLabel('x25519', vector.ephemeralKeyLabel), iv: b64uDecode(vector.iv)! },
      );
      expect(envelope).toBe(vector.envelope);
    });

    if (vector.customerKey.alg !== 'DS256') {
      it('verifies with jose', async () => {
        const { payload } = await compactVerify(vector.jws, parsePublicKeyPem(vector.customerKey.publicKeyPem));
        expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(vector.claims);
      });
    }

    if (vector.customerKey.privateKeyLabel !== undefined) {
      it('re-signs byte for byte (Ed25519 signatures are deterministic)', () => {
        const signer = signingKey(fromLabel('ed25519', vector.customerKey.privateKeyLabel!));
        expect(signer.kid).toBe(vector.customerKey.kid);
        expect(signJws(Buffer.from(JSON.stringify(vector.claims)), signer)).toBe(vector.jws);
      });
    }
  });

  it.each(vectors.invalid)('rejects "$name" with $expectedCode', async (vector) => {
    const key = vectors.valid.find((v) => v.customerKey.alg === vector.customerKey)!.customerKey;
    await expectEnvelopeError(
      openVector(vector.envelope, vector.customerId, key, vector.verifyAt),
      vector.expectedCode as never,
    );
  });
});
