/**
 * Writes docs/envelope-vectors.json: the test vectors of docs/envelope.md §8 (`npm run vectors`).
 *
 * No private key is stored. The server key, the ephemeral keys and the EdDSA customer key are derived from public
 * labels (private key = SHA-256 of the label), so anyone can rebuild them; the PS256, ES256 and DS256 customer keys
 * are generated here and thrown away, leaving only their public keys and signatures (which stay verifiable).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { encode as b64u } from '../shared/base64url.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { exportPublicKeyPem, signingKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';
import { publicOf, rawPrivateKey } from '../test/helpers/keys.js';

const sha256 = (label: string) => createHash('sha256').update(label, 'ascii').digest();
const SERVER_LABEL = 'po-envelope test vector: server X25519 key';
const EDDSA_LABEL = 'po-envelope test vector: customer Ed25519 key';
const SERVER_KID = 'vector-server-1';
const IAT = 1_795_000_000; // 2026-11-18T08:26:40Z

const server = { kid: SERVER_KID, privateKey: rawPrivateKey('x25519', sha256(SERVER_LABEL)) };
const serverPublic = { kid: SERVER_KID, publicKey: publicOf(server.privateKey) };

const signers: Record<string, SigningKey> = {
  PS256: signingKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  DS256: signingKey(generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey),
  ES256: signingKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
  EdDSA: signingKey(rawPrivateKey('ed25519', sha256(EDDSA_LABEL))),
};

function seal(name: string, claims: unknown, signer: SigningKey, header?: Record<string, unknown>) {
  const ephemeralKeyLabel = `po-envelope test vector: ephemeral key for ${name}`;
  const iv = sha256(`po-envelope test vector: IV for ${name}`).subarray(0, 12);
  let jws = signJws(Buffer.from(JSON.stringify(claims)), signer);
  if (header) jws = `${b64u(JSON.stringify(header))}.${jws.split('.').slice(1).join('.')}`;
  const envelope = encryptJwe(Buffer.from(jws), serverPublic, {
    ephemeralPrivateKey: rawPrivateKey('x25519', sha256(ephemeralKeyLabel)),
    iv,
  });
  return { ephemeralKeyLabel, iv: b64u(iv), jws, envelope };
}

function claimsFor(name: string, overrides: Record<string, unknown> = {}) {
  return {
    iss: 'alice',
    aud: SERVER_KID,
    iat: IAT,
    jti: b64u(sha256(`po-envelope test vector: jti for ${name}`).subarray(0, 16)),
    items: [
      { sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 },
      { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
    ],
    currency: 'USD',
    totalCents: 3 * 1250 + 999,
    note: 'Deliver to dock 4 — thanks!',
    ...overrides,
  };
}

const customerKey = (alg: string) => ({
  alg,
  kid: signers[alg]!.kid,
  publicKeyPem: exportPublicKeyPem(signers[alg]!.privateKey),
  ...(alg === 'EdDSA' ? { privateKeyLabel: EDDSA_LABEL } : {}),
});

const valid = Object.keys(signers).map((alg) => {
  const claims = claimsFor(alg);
  return {
    name: `valid ${alg}`,
    customerId: 'alice',
    customerKey: customerKey(alg),
    verifyAt: IAT,
    claims,
    ...seal(alg, claims, signers[alg]!),
  };
});

const eddsa = signers.EdDSA!;
const invalid = [
  {
    name: 'aud names another server key',
    claims: claimsFor('aud', { aud: 'vector-server-0' }),
    code: 'audience_mismatch',
  },
  { name: 'iss names another customer', claims: claimsFor('iss', { iss: 'bob' }), code: 'issuer_mismatch' },
  { name: 'iat 301 s before verification', claims: claimsFor('stale'), verifyAt: IAT + 301, code: 'iat_too_old' },
  { name: 'iat 301 s after verification', claims: claimsFor('future'), verifyAt: IAT - 301, code: 'iat_in_future' },
  {
    name: 'quantity zero',
    claims: claimsFor('qty0', { items: [{ sku: 'WIDGET-1', qty: 0, unitPriceCents: 1250 }], totalCents: 0 }),
    code: 'items_invalid',
  },
  {
    name: 'unit price negative',
    claims: claimsFor('price', { items: [{ sku: 'WIDGET-1', qty: 1, unitPriceCents: -1250 }], totalCents: 0 }),
    code: 'items_invalid',
  },
  {
    name: 'totalCents is not the sum of the lines',
    claims: claimsFor('total', { totalCents: 3 * 1250 + 999 - 1 }),
    code: 'claims_invalid',
  },
  { name: 'extra claim exp', claims: claimsFor('exp', { exp: IAT + 60 }), code: 'claims_invalid' },
  {
    name: 'JWS header claims PS256 for the Ed25519 key',
    claims: claimsFor('alg'),
    header: { alg: 'PS256', kid: eddsa.kid, typ: 'po-order+jws' },
    code: 'algorithm_mismatch',
  },
].map(({ name, claims, header, code, verifyAt }) => ({
  name,
  customerId: 'alice',
  customerKey: 'EdDSA',
  verifyAt: verifyAt ?? IAT,
  expectedCode: code,
  envelope: seal(name, claims, eddsa, header).envelope,
}));

const tagChanged = valid[3]!.envelope.replace(/.$/, (last) => (last === 'A' ? 'Q' : 'A'));
invalid.push({
  name: 'authentication tag changed',
  customerId: 'alice',
  customerKey: 'EdDSA',
  verifyAt: IAT,
  expectedCode: 'decryption_failed',
  envelope: tagChanged,
});

const document = {
  description: 'Test vectors for the po order envelope (docs/envelope.md §8). Regenerate with `npm run vectors`.',
  derivation: 'X25519 and Ed25519 private keys named by a label are the 32 bytes SHA-256(ASCII(label)).',
  server: { kid: SERVER_KID, privateKeyLabel: SERVER_LABEL, publicKeyPem: exportPublicKeyPem(server.privateKey) },
  valid,
  invalid,
};
writeFileSync('docs/envelope-vectors.json', `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote docs/envelope-vectors.json: ${valid.length} valid, ${invalid.length} invalid vectors`);
