/**
 * Evidence checks with node:crypto: what po (`po order`, `po orders export`, `po verify`) and the tests run. The
 * checks themselves are shared/evidence.ts's, the ones the console runs in a browser with WebCrypto.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { encode as b64u } from './base64url.js';
import { verifyJwsSignature } from './envelope/jws.js';
import { checkEvidence } from './evidence.js';
import type { EvidenceCrypto, EvidenceKey, VerifiedEvidence } from './evidence.js';
import { exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint, verificationKey } from './keys.js';

interface NodeEvidenceKey extends EvidenceKey {
  readonly publicKey: KeyObject;
}

/** `work()`'s value as a promise, and what it throws as a rejection (node:crypto answers synchronously). */
const settled = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()));

/** {@link EvidenceCrypto} by node:crypto: keys read and size-checked by shared/keys.ts, signatures by shared/envelope/jws.ts. */
export const NODE_EVIDENCE_CRYPTO: EvidenceCrypto<NodeEvidenceKey> = {
  customerKey: (publicKeyPem) =>
    settled(() => {
      const { alg, publicKey } = verificationKey(parsePublicKeyPem(publicKeyPem));
      return {
        alg,
        publicKey,
        fingerprint: spkiFingerprint(publicKey),
        canonical: exportPublicKeyPem(publicKey) === publicKeyPem,
      };
    }),
  receiptKey: (x) =>
    settled(() => {
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(x) }, format: 'jwk' });
      return { alg: 'EdDSA' as const, publicKey, fingerprint: spkiFingerprint(publicKey) };
    }),
  verify: (key, signingInput, signature) =>
    settled(() => verifyJwsSignature({ signingInput, signature }, key.alg, key.publicKey)),
  sha256: (text) => settled(() => b64u(createHash('sha256').update(text, 'latin1').digest())),
};

/**
 * Verifies an evidence bundle offline (shared/evidence.ts {@link checkEvidence}).
 * @throws EvidenceError with the code of the first check that fails
 */
export function verifyEvidence(candidate: unknown): Promise<VerifiedEvidence> {
  return checkEvidence(NODE_EVIDENCE_CRYPTO, candidate);
}
