/**
 * Pure pieces the handlers rely on: reading a transaction's cancellation reasons, parsing a JSON body at the edge,
 * and loading the configuration.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { loadConfig } from '../shared/config.js';
import { ApiError } from '../shared/errors.js';
import { parseJsonBody } from '../shared/http.js';
import { interpretCancellation } from '../shared/order-outcomes.js';
import { orderLines, priceChanged } from '../shared/orders.js';
import type { OrderLine } from '../shared/orders.js';

describe('interpretCancellation: what a cancelled order transaction means', () => {
  const LINES: OrderLine[] = [
    { sku: 'A-1', name: 'A', qty: 2, unitPriceCents: 500 },
    { sku: 'B-2', name: 'B', qty: 1, unitPriceCents: 300 },
  ];
  const none = { code: 'None' };
  const failed = (item?: Record<string, unknown>) => ({ code: 'ConditionalCheckFailed', ...(item ? { item } : {}) });
  /** Reasons by the action they answer: the order, each line, the account, the ledger entry. */
  const reasons = (order = none, a = none, b = none, account: { code: string } = none) => ({
    order,
    lines: [a, b],
    account,
    ledger: none,
  });

  it('the order already exists: a duplicate, whatever else failed', () => {
    const existing = { orderId: 'o', customerId: 'alice' };
    expect(interpretCancellation(reasons(failed(existing), failed()), LINES)).toEqual({ kind: 'duplicate', existing });
  });

  it('a product gone names every missing SKU, before any price or stock', () => {
    const outcome = interpretCancellation(reasons(none, failed(), failed({ priceCents: 1, stock: 0 })), LINES);
    expect(outcome).toEqual({ kind: 'unknown_sku', skus: ['A-1'] });
  });

  it('changed prices name every changed line with both prices', () => {
    const outcome = interpretCancellation(
      reasons(none, failed({ priceCents: 550, stock: 9 }), failed({ priceCents: 300, stock: 0 })),
      LINES,
    );
    expect(outcome).toEqual({
      kind: 'price_changed',
      changes: [{ sku: 'A-1', signedPriceCents: 500, currentPriceCents: 550 }],
    });
  });

  it('short stock names the SKU and what is left', () => {
    const outcome = interpretCancellation(reasons(none, none, failed({ priceCents: 300, stock: 0 })), LINES);
    expect(outcome).toEqual({ kind: 'out_of_stock', sku: 'B-2', available: 0 });
  });

  /** The account's action failed its condition: what the read after it found (absent item: the customer is gone). */
  const accountRefused = (item?: Record<string, unknown>, guard?: Parameters<typeof interpretCancellation>[2]) =>
    interpretCancellation(reasons(none, none, none, failed()), LINES, guard, item ? { item } : {});

  it('the account: too little is insufficient_funds; enough but moved is a retry from the state read', () => {
    expect(accountRefused({ balanceCents: 1299, ledgerSeq: 4 })).toEqual({
      kind: 'insufficient_funds',
      now: { balanceCents: 1299, ledgerSeq: 4 },
    });
    expect(accountRefused({ balanceCents: 1300, ledgerSeq: 4 })).toEqual({
      kind: 'account_moved',
      now: { balanceCents: 1300, ledgerSeq: 4 },
    });
    expect(accountRefused()).toEqual({ kind: 'customer_gone' });
  });

  it('with the commit-time guard: a changed token version, or a key no longer active, is named before the money', () => {
    const guard = { tokenVersion: 3, keyId: 'k1' };
    const account = (item: Record<string, unknown>) =>
      accountRefused({ balanceCents: 0, ledgerSeq: 1, ...item }, guard);
    expect(account({ tokenVersion: 4, keys: { k1: { status: 'active' } } })).toEqual({ kind: 'session_stale' });
    expect(account({ tokenVersion: 3, keys: { k1: { status: 'revoked' } } })).toEqual({ kind: 'key_revoked' });
    expect(account({ tokenVersion: 3, keys: {} })).toEqual({ kind: 'key_revoked' });
    expect(account({ tokenVersion: 3, keys: { k1: { status: 'active' } } })).toEqual({
      kind: 'insufficient_funds',
      now: { balanceCents: 0, ledgerSeq: 1 },
    });
  });

  it('a stale session comes before anything that would reveal state: a replay, a shortage, a price', () => {
    const guard = { tokenVersion: 3, keyId: 'k1' };
    const stale = { item: { tokenVersion: 4, balanceCents: 0, ledgerSeq: 1 } };
    const existing = { orderId: 'o', customerId: 'alice' };
    for (const revealing of [
      reasons(failed(existing), none, none, failed()),
      reasons(none, none, failed({ priceCents: 300, stock: 0 }), failed()),
      reasons(none, failed({ priceCents: 550, stock: 9 }), none, failed()),
    ]) {
      expect(interpretCancellation(revealing, LINES, guard, stale)).toEqual({ kind: 'session_stale' });
      expect(interpretCancellation(revealing, LINES, guard, {})).toEqual({ kind: 'customer_gone' });
    }
    // The account's action passed: the session was current at commit, and the answer may say more.
    expect(interpretCancellation(reasons(failed(existing)), LINES, guard)).toEqual({ kind: 'duplicate', existing });
  });

  it('contention is a conflict (retried); anything else is throttling (503), never a wrong answer', () => {
    expect(interpretCancellation(reasons(none, { code: 'TransactionConflict' }), LINES)).toEqual({ kind: 'conflict' });
    expect(interpretCancellation(reasons(none, failed({ priceCents: 500, stock: 9 })), LINES)).toEqual({
      kind: 'conflict', // a condition failed that nothing explains: retry
    });
    expect(interpretCancellation(reasons(none, { code: 'ThrottlingError' }), LINES)).toEqual({ kind: 'throttled' });
    expect(interpretCancellation({ lines: [] }, LINES)).toEqual({ kind: 'throttled' });
  });
});

describe('pricing an order: orderLines and priceChanged', () => {
  const catalogue = new Map([
    ['A-1', { sku: 'A-1', name: 'Anvil', priceCents: 500, stock: 3 }],
    ['B-2', { sku: 'B-2', name: 'Bolt', priceCents: 35, stock: 0 }],
  ]);
  const claims = (items: Array<{ sku: string; qty: number; unitPriceCents: number }>) =>
    ({ items }) as unknown as Parameters<typeof orderLines>[0];

  it('keeps the signed prices and quantities, adding each product’s name', () => {
    expect(
      orderLines(
        claims([
          { sku: 'A-1', qty: 2, unitPriceCents: 450 },
          { sku: 'B-2', qty: 9, unitPriceCents: 35 },
        ]),
        catalogue,
      ),
    ).toEqual([
      { sku: 'A-1', name: 'Anvil', qty: 2, unitPriceCents: 450 }, // the transaction, not this, checks the price
      { sku: 'B-2', name: 'Bolt', qty: 9, unitPriceCents: 35 },
    ]);
  });

  it('names every SKU the catalogue lacks', () => {
    expect(() =>
      orderLines(
        claims([
          { sku: 'X-1', qty: 1, unitPriceCents: 1 },
          { sku: 'A-1', qty: 1, unitPriceCents: 500 },
          { sku: 'Y-2', qty: 1, unitPriceCents: 1 },
        ]),
        catalogue,
      ),
    ).toThrow(expect.objectContaining({ code: 'unknown_sku', details: { skus: ['X-1', 'Y-2'] } }));
  });

  it('price_changed says, for each line, the signed and the current price', () => {
    const error = priceChanged([{ sku: 'A-1', signedPriceCents: 500, currentPriceCents: 550 }], 'USD');
    expect(error.code).toBe('price_changed');
    expect(error.message).toContain('USD: A-1 5.00 → 5.50');
    expect(error.details).toEqual({
      currency: 'USD',
      lines: [{ sku: 'A-1', signedPriceCents: 500, currentPriceCents: 550 }],
    });
  });
});

describe('parseJsonBody: the edge of every route with a body', () => {
  const schema = z.strictObject({ name: z.string() });
  const event = (body: string | null, headers: Record<string, string> = {}, isBase64Encoded = false) => ({
    body,
    headers,
    isBase64Encoded,
  });
  const refusal = (work: () => unknown) => {
    try {
      work();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return { code: (error as ApiError).code, message: (error as ApiError).message };
    }
    throw new Error('expected a refusal');
  };

  it('parses JSON (also base64-encoded, also with a charset) into the schema', () => {
    expect(parseJsonBody(event('{"name":"x"}'), schema)).toEqual({ name: 'x' });
    expect(parseJsonBody(event(Buffer.from('{"name":"y"}').toString('base64'), {}, true), schema)).toEqual({
      name: 'y',
    });
    expect(parseJsonBody(event('{"name":"z"}', { 'Content-Type': 'application/json; charset=utf-8' }), schema)).toEqual(
      {
        name: 'z',
      },
    );
  });

  it.each([
    ['another media type', event('{"name":"x"}', { 'content-type': 'text/plain' }), 'unsupported_media_type'],
    ['a body over 32 KiB', event(`{"name":"${'x'.repeat(33_000)}"}`), 'body_too_large'],
    ['no body', event(null), 'invalid_request'],
    ['not JSON', event('{"name":'), 'invalid_request'],
    ['an escaped lone surrogate', event('{"name":"\\ud800"}'), 'invalid_request'],
    ['a lone surrogate in a member name', event('{"\\udc00":1,"name":"x"}'), 'invalid_request'],
    ['an extra member', event('{"name":"x","admin":true}'), 'invalid_request'],
    ['the wrong type, named', event('{"name":7}'), 'invalid_request'],
  ])('refuses %s', (_name, input, code) => {
    expect(refusal(() => parseJsonBody(input, schema)).code).toBe(code);
  });

  it('says where the body is wrong', () => {
    expect(refusal(() => parseJsonBody(event('{"name":7}'), schema)).message).toMatch(/^name: /);
    expect(refusal(() => parseJsonBody(event('{"name":"\\ud800"}'), schema)).message).toContain('ill-formed');
  });
});

describe('loadConfig: the one configuration module', () => {
  const BASE = {
    CUSTOMERS_TABLE: 'c',
    INVENTORY_TABLE: 'i',
    ORDERS_TABLE: 'o',
    KEYS_TABLE: 'k',
    LEDGER_TABLE: 'l',
    IDEMPOTENCY_TABLE: 'd',
    STAFF_TABLE: 's',
    AUDIT_TABLE: 'a',
    NOTICES_TABLE: 'n',
    KMS_KEY_ID: 'alias/x',
  };

  it('fills the defaults', () => {
    expect(loadConfig(BASE)).toMatchObject({
      region: 'us-east-1',
      catalogueCurrency: 'USD',
      opdId: 'opd',
      sessionTtlSeconds: 900,
      serverKeyGraceSeconds: 7 * 24 * 3600,
      sesSender: undefined,
      tables: {
        customers: 'c',
        inventory: 'i',
        orders: 'o',
        keys: 'k',
        ledger: 'l',
        staff: 's',
        audit: 'a',
        notices: 'n',
      },
      endpoints: { dynamodb: undefined, kms: undefined, ses: undefined },
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...BASE,
      AWS_REGION: 'eu-west-1',
      CATALOGUE_CURRENCY: 'EUR',
      OPD_ID: 'acme-opd',
      SESSION_TTL_SECONDS: '600',
      SES_SENDER: 'orders@acme.example',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
    expect(config).toMatchObject({
      region: 'eu-west-1',
      catalogueCurrency: 'EUR',
      opdId: 'acme-opd',
      sessionTtlSeconds: 600,
      sesSender: 'orders@acme.example',
      endpoints: { dynamodb: 'http://127.0.0.1:8000' },
    });
  });

  it.each([
    ['a missing table', { ...BASE, LEDGER_TABLE: undefined }, /LEDGER_TABLE/],
    ['a currency without two minor digits (JPY)', { ...BASE, CATALOGUE_CURRENCY: 'JPY' }, /CATALOGUE_CURRENCY/],
    ['a session TTL over an hour', { ...BASE, SESSION_TTL_SECONDS: '7200' }, /SESSION_TTL_SECONDS/],
    ['an OPD name with spaces', { ...BASE, OPD_ID: 'the opd' }, /OPD_ID/],
    ['an endpoint that is not http(s)', { ...BASE, KMS_ENDPOINT: 'file:///etc/passwd' }, /KMS_ENDPOINT/],
    ['a sender that is not an address', { ...BASE, SES_SENDER: 'nobody' }, /SES_SENDER/],
  ])('stops at start-up on %s, naming the setting', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
