/**
 * The envelope rejection suites' envelopes, built right but for the one thing a test changes, with the file's shared
 * keys (`server` and `keys` of ./keys.ts: the calling file makes them with `makeKeysBeforeAll`).
 */
import { encode as b64u } from '../../shared/base64url.js';
import { newOrderId, openOrder, sealOrder } from '../../shared/envelope/index.js';
import { encryptJwe } from '../../shared/envelope/jwe.js';
import { signJws } from '../../shared/envelope/jws.js';
import { keys, openOptions, server } from './keys.js';
import type { SigningAlgorithm } from './keys.js';

export const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
export const ITEMS = [{ sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 }];

/** Valid order claims for customer `alice`, addressed to the server key, with `overrides` over them. */
export function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims = { iss: 'alice', aud: server.kid, iat: NOW / 1000, jti: newOrderId(), items: ITEMS, ...overrides };
  const lines = Array.isArray(claims.items) ? (claims.items as Array<{ qty?: unknown; unitPriceCents?: unknown }>) : [];
  const total = lines.reduce((sum, line) => sum + Number(line.qty) * Number(line.unitPriceCents), 0);
  return { currency: 'USD', totalCents: Number.isSafeInteger(total) ? total : 0, ...claims };
}

/** Signs any payload (valid or not) with a real customer key and encrypts it properly: only the claims are wrong. */
export function envelopeWithPayload(payload: unknown, algorithm: SigningAlgorithm = 'ed25519'): string {
  const jws = signJws(Buffer.from(JSON.stringify(payload)), keys[algorithm].signer);
  return encryptJwe(Buffer.from(jws), server);
}

/** Builds a JWS with any header and signature bytes, then encrypts it properly. */
export function envelopeWithJws(
  header: Record<string, unknown>,
  claims: unknown,
  signer: (input: string) => Buffer,
): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  return encryptJwe(Buffer.from(`${input}.${b64u(signer(input))}`), server);
}

/** Opens `envelope` as the OPD would at {@link NOW}, for customer `alice` with every customer key registered. */
export function open(envelope: string, overrides = {}) {
  const registered = Object.values(keys).map((key) => key.verifier);
  return openOrder(envelope, openOptions(server, registered, { now: NOW, ...overrides }));
}

/** A valid envelope from `alice`, sealed at {@link NOW} with the key of `algorithm`. */
export function seal(
  algorithm: SigningAlgorithm = 'ed25519',
  overrides: Partial<Parameters<typeof sealOrder>[0]> = {},
) {
  return sealOrder({
    customerId: 'alice',
    items: ITEMS,
    currency: 'USD',
    signer: keys[algorithm].signer,
    server,
    now: NOW,
    ...overrides,
  });
}
