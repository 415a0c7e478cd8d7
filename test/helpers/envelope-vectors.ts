/** The published envelope vectors (docs/envelope-vectors.json) as the page's tests read them, with the server's key. */
import { readFileSync } from 'node:fs';
import type { SignatureAlg } from '../../shared/keys.js';
import { rawPrivateKey } from './keys.js';
import { labelBytes } from './page-keys.js';

/** One valid vector: the customer, the key, the claims, the fixed ephemeral key and IV, and what they make. */
export interface Vector {
  name: string;
  customerId: string;
  customerKey: { alg: SignatureAlg; kid: string; publicKeyPem: string; privateKeyLabel?: string };
  verifyAt: number;
  claims: {
    iss: string;
    aud: string;
    iat: number;
    jti: string;
    items: Array<{ sku: string; qty: number; unitPriceCents: number }>;
    currency: string;
    note?: string;
  };
  ephemeralKeyLabel: string;
  iv: string;
  jws: string;
  envelope: string;
}

export const vectors = JSON.parse(
  readFileSync(new URL('../../docs/envelope-vectors.json', import.meta.url), 'utf8'),
) as {
  server: { kid: string; privateKeyLabel: string; publicKeyPem: string };
  valid: Vector[];
};

/** The server's X25519 private key of the vectors (from its published label). */
export const serverPrivateKey = rawPrivateKey('x25519', Buffer.from(labelBytes(vectors.server.privateKeyLabel)));
