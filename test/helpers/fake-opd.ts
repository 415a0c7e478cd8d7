/**
 * A fake OPD on loopback for CLI tests of what the real one never does: receipts that fail a check, a receipt-key
 * endpoint that is down, an order endpoint that fails once. It opens envelopes with the project's envelope code and
 * signs receipts with a test receipt key; each test says how to misbehave.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { openOrder } from '../../shared/envelope/index.js';
import { EnvelopeError } from '../../shared/errors.js';
import { exportPublicKeyPem, spkiFingerprint, verificationKey } from '../../shared/keys.js';
import { receiptClaims, receiptKeyJwk, signReceipt } from '../../shared/receipts.js';
import type { ReceiptClaims } from '../../shared/receipts.js';
import { receiptKeyPair } from './evidence.js';

export interface FakeOpdBehaviour {
  /** Changes the receipt claims before signing (a dishonest or buggy OPD). */
  receiptClaims?: (claims: ReceiptClaims) => ReceiptClaims;
  /** Signs receipts with this key instead of the published one. */
  signingKey?: { kid: string; privateKey: KeyObject };
  /** HTTP status of GET /receipt-keys (200 by default). */
  receiptKeysStatus?: number;
  /** How many POST /orders to answer 503 before answering properly. */
  failOrders?: number;
  /** Runs when an order arrives, before it is answered (e.g. a rotation between po's checks and the commit). */
  onOrder?: () => void;
  /** How many credits to apply and then answer 503, as if the answer were lost, before answering properly. */
  loseCreditAnswers?: number;
  /** The max-age of both key answers (default: the real OPD's, 60 s for the server key and 300 s for receipt keys). */
  keysMaxAge?: number;
}

export interface FakeOpd {
  readonly url: string;
  behaviour: FakeOpdBehaviour;
  /** Envelopes received by POST /orders, in order. */
  readonly envelopes: string[];
  /** Credits received (`POST /admin/customers/{id}/credit`), in order, with the Idempotency-Key each carried. */
  readonly credits: Array<{ idempotencyKey: string | undefined; body: unknown }>;
  /** How many times GET /receipt-keys was asked. */
  receiptKeyRequests: number;
  /** How many times POST /refresh was asked. */
  readonly refreshes: number;
  /** Every request, as `METHOD /path` (no query), in order. */
  readonly requests: string[];
  /**
   * A new server key; returns its fingerprint. The old ones still decrypt (a grace period), unless `retireOld`: then
   * an envelope sealed to one is refused with `server_key_unknown`, as the real OPD does after the grace period.
   */
  rotateServerKey(options?: { retireOld?: boolean }): string;
  /** A new receipt key signs from now on (the old ones stay published); returns its fingerprint. */
  rotateReceiptKey(): string;
  close(): Promise<void>;
}

/** Starts a fake OPD that knows one customer (`alice`) and her public key. */
export async function startFakeOpd(customerPublicKey: KeyObject): Promise<FakeOpd> {
  const serverKeys = new Map<string, ReturnType<typeof generateKeyPairSync>>();
  let serverKid = '';
  const rotateServerKey = ({ retireOld = false } = {}) => {
    if (retireOld) serverKeys.clear();
    const pair = generateKeyPairSync('x25519');
    serverKid = spkiFingerprint(pair.publicKey);
    serverKeys.set(serverKid, pair);
    return serverKid;
  };
  rotateServerKey();
  const receiptKeys = [receiptKeyPair()]; // newest first
  const rotateReceiptKey = () => {
    receiptKeys.unshift(receiptKeyPair());
    return receiptKeys[0]!.kid;
  };
  const customerKey = verificationKey(customerPublicKey);
  const state = {
    behaviour: {} as FakeOpdBehaviour,
    envelopes: [] as string[],
    credits: [] as Array<{ idempotencyKey: string | undefined; body: unknown }>,
    receiptKeyRequests: 0,
    refreshes: 0,
    requests: [] as string[],
  };
  const reply = (response: ServerResponse, status: number, body: unknown, maxAge?: number) => {
    const keptFor = state.behaviour.keysMaxAge ?? maxAge;
    const cacheControl = maxAge === undefined ? {} : { 'cache-control': `public, max-age=${keptFor}` };
    response.writeHead(status, { 'content-type': 'application/json', ...cacheControl });
    response.end(JSON.stringify(body));
  };
  const http: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        const route = `${request.method} ${request.url?.split('?')[0]}`;
        state.requests.push(route);
        // A session the real OPD has ended (a logout, a password change elsewhere).
        if (request.headers.authorization === 'Bearer ended-session')
          return reply(response, 401, { error: { code: 'unauthorized', message: 'token revoked' } });
        if (route === 'GET /server-key')
          return reply(
            response,
            200,
            { kid: serverKid, publicKeyPem: exportPublicKeyPem(serverKeys.get(serverKid)!.publicKey) },
            60,
          );
        if (route === 'GET /health') return reply(response, 200, { status: 'ok', time: new Date().toISOString() });
        // Two pages of one order each: the first names the second with its `next`.
        if (route === 'GET /orders') {
          const second = request.url?.includes('cursor=');
          const order = {
            orderId: (second ? 'B' : 'A').repeat(22),
            acceptedAt: new Date().toISOString(),
            status: 'accepted',
            totalCents: 1250,
            currency: 'USD',
            lines: [{ sku: 'WIDGET-1', name: 'Widget', qty: 1, unitPriceCents: 1250, lineTotalCents: 1250 }],
            email: { status: 'sent' },
          };
          return reply(response, 200, { orders: [order], ...(second ? {} : { next: 'eyJuZXh0IjoicGFnZSJ9' }) });
        }
        if (route === 'POST /refresh') {
          state.refreshes++;
          return reply(response, 200, {
            token: `refreshed-${state.refreshes}`,
            expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
            customerId: 'alice',
            kind: 'customer',
          });
        }
        if (route === 'GET /account')
          return reply(response, 200, {
            customerId: 'alice',
            keys: [{ keyId: customerKey.kid, alg: customerKey.alg, status: 'active', addedAt: '2026-01-01T00:00:00Z' }],
          });
        if (route === 'GET /products')
          return reply(response, 200, {
            currency: 'USD',
            products: [{ sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 }],
          });
        if (route === 'GET /receipt-keys') {
          state.receiptKeyRequests++;
          const status = state.behaviour.receiptKeysStatus ?? 200;
          if (status !== 200)
            return reply(response, status, { error: { code: 'service_unavailable', message: 'down' } });
          const keys = receiptKeys.map((key) => receiptKeyJwk(key.publicKey));
          return reply(response, 200, { keys, current: receiptKeys[0]!.kid }, 300);
        }
        if (/^POST \/admin\/customers\/[^/]+\/credit$/.test(route)) {
          // Applied once per key, as the real OPD does; the answer to a repeat is the first entry.
          const idempotencyKey = [request.headers['idempotency-key']].flat()[0];
          const body = JSON.parse(text) as { amountCents: number };
          const first = state.credits.findIndex((credit) => credit.idempotencyKey === idempotencyKey);
          state.credits.push({ idempotencyKey, body });
          const entry = first === -1 ? state.credits.length : first + 1;
          if ((state.behaviour.loseCreditAnswers ?? 0) > 0) {
            state.behaviour.loseCreditAnswers!--;
            return reply(response, 503, { error: { code: 'service_unavailable', message: 'the answer was lost' } });
          }
          return reply(response, first === -1 ? 201 : 200, {
            entry,
            type: 'credit',
            amountCents: body.amountCents,
            balanceAfterCents: body.amountCents,
            currency: 'USD',
            actor: 'alice',
            at: new Date().toISOString(),
          });
        }
        if (route === 'POST /orders') {
          const { envelope } = JSON.parse(text) as { envelope: string };
          state.envelopes.push(envelope);
          if ((state.behaviour.failOrders ?? 0) > 0) {
            state.behaviour.failOrders!--;
            return reply(response, 503, { error: { code: 'service_unavailable', message: 'busy' } });
          }
          state.behaviour.onOrder?.();
          const opened = await openOrder(envelope, {
            customerId: 'alice',
            serverKey: (kid) => serverKeys.get(kid)?.privateKey,
            customerKey: (kid) => (kid === customerKey.kid ? customerKey : undefined),
          }).catch((error: unknown) => {
            if (error instanceof EnvelopeError) return error; // refused with its code, as the real OPD does (400)
            throw error;
          });
          if (opened instanceof EnvelopeError)
            return reply(response, 400, { error: { code: opened.code, message: opened.message } });
          const { claims } = opened;
          let receipt = receiptClaims({
            issuer: 'fake-opd',
            customerId: 'alice',
            orderId: claims.jti,
            acceptedAt: Date.now(),
            ledgerEntry: 1,
            orderJws: opened.jws,
            customerKeyFingerprint: spkiFingerprint(customerPublicKey),
            lines: claims.items,
            currency: claims.currency,
            totalCents: claims.totalCents,
          });
          if (state.behaviour.receiptClaims) receipt = state.behaviour.receiptClaims(receipt);
          return reply(response, 201, {
            orderId: claims.jti,
            customerId: 'alice',
            status: 'accepted',
            lines: claims.items.map((item) => ({
              ...item,
              name: 'Widget',
              lineTotalCents: item.qty * item.unitPriceCents,
            })),
            totalCents: claims.totalCents,
            currency: claims.currency,
            acceptedAt: new Date().toISOString(),
            signedAt: new Date(claims.iat * 1000).toISOString(),
            signature: { alg: opened.alg, keyId: opened.customerKeyId, jws: opened.jws },
            receipt: signReceipt(receipt, state.behaviour.signingKey ?? receiptKeys[0]!),
            email: { status: 'pending' },
          });
        }
        reply(response, 404, { error: { code: 'not_found', message: route } });
      })().catch((error: unknown) => reply(response, 500, { error: { code: 'internal', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = address && typeof address !== 'string' ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value) {
      state.behaviour = value;
    },
    envelopes: state.envelopes,
    credits: state.credits,
    get receiptKeyRequests() {
      return state.receiptKeyRequests;
    },
    set receiptKeyRequests(value) {
      state.receiptKeyRequests = value;
    },
    get refreshes() {
      return state.refreshes;
    },
    requests: state.requests,
    rotateServerKey,
    rotateReceiptKey,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
