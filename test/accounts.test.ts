/**
 * Accounts and cancellations, pure: amounts typed by a person, ledger arithmetic (never below 0, never above the
 * maximum, entries numbered in sequence and replaying to the balance), and each check of a signed cancellation.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { MAX_BALANCE_CENTS, accountOf, nextEntry } from '../shared/accounts.js';
import type { AccountState, LedgerChange } from '../shared/accounts.js';
import { CANCEL_TYP, signCancellation, verifyCancellation } from '../shared/cancellations.js';
import { signJws } from '../shared/envelope/jws.js';
import { ApiError } from '../shared/errors.js';
import { formatMoney, parseMoney } from '../shared/money.js';
import { reasonSchema } from '../shared/text.js';
import { oneLine } from '../shared/text.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { customerKey } from './helpers/keys.js';
import type { CustomerKey } from './helpers/keys.js';

describe('parseMoney: amounts as a person types them', () => {
  it.each([
    ['150', 15_000],
    ['12.5', 1250],
    ['12.05', 1205],
    ['-20.05', -2005],
    ['0', 0],
    ['0.01', 1],
    ['9999999999999.99', 999_999_999_999_999],
  ])('%s → %d cents', (text, cents) => {
    expect(parseMoney(text)).toBe(cents);
  });

  it.each([
    '',
    '1e3',
    '12.345',
    '0x10',
    ' 5',
    '5 ',
    '+5',
    '1,50',
    '.5',
    '5.',
    'NaN',
    'Infinity',
    '--1',
    '١٢',
    '12\u0000',
  ])('refuses %j', (text) => {
    expect(parseMoney(text)).toBeUndefined();
  });

  it('is the inverse of formatMoney for every amount in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_BALANCE_CENTS + 1, max: MAX_BALANCE_CENTS - 1 }), (cents) => {
        expect(parseMoney(formatMoney(cents))).toBe(cents === 0 ? 0 : cents);
      }),
    );
  });
});

describe('free text the OPD records or signs (a reason, a ledger reference)', () => {
  it.each(['damaged in transit', '  trimmed  ', 'Lieferung verspätet — 配送遅延 🙂', 'x'.repeat(500)])(
    'accepts %j',
    (text) => {
      expect(reasonSchema().parse(text)).toBe(text.trim());
    },
  );

  it.each([
    ['empty', '   '],
    ['too long', 'x'.repeat(501)],
    ['a NUL', 'a\u0000b'],
    ['a line break', 'one\ntwo'],
    ['a C1 control (U+0085, next line)', 'a\u0085b'],
    ['a C1 control (U+009B)', 'a\u009bb'],
    ['a line separator (U+2028)', 'one\u2028two'],
    ['a paragraph separator (U+2029)', 'one\u2029two'],
    ['a carriage return', 'one\rtwo'],
    ['a lone high surrogate', 'refund \ud800'],
    ['a lone low surrogate', '\udc00 refund'],
    ['a right-to-left override', '\u202egoodwill'],
    ['a right-to-left isolate', 'a\u2067b'],
    ['a right-to-left mark', 'a\u200fb'],
    ['not text', 42],
  ])('refuses %s, naming the field', (_name, text) => {
    const result = oneLine('reference').safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^reference /);
  });
});

describe('ledger entries', () => {
  const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
  const credit = (amountCents: number): LedgerChange => ({ type: 'credit', amountCents, actor: 'admin' });

  it('numbers the entry after the last one and records the balance after it', () => {
    const { entry, after } = nextEntry(
      'alice',
      { balanceCents: 5000, ledgerSeq: 7 },
      { type: 'order', amountCents: -4749, actor: 'alice', orderId: 'o'.repeat(22) },
      'USD',
      NOW,
    );
    expect(entry).toEqual({
      customerId: 'alice',
      entry: 8,
      type: 'order',
      amountCents: -4749,
      balanceAfterCents: 251,
      currency: 'USD',
      orderId: 'o'.repeat(22),
      actor: 'alice',
      at: '2026-11-22T12:00:00.000Z',
    });
    expect(after).toEqual({ balanceCents: 251, ledgerSeq: 8 });
  });

  it('a debit to exactly 0 holds; one cent more is insufficient_funds with the balance and the need', () => {
    expect(nextEntry('alice', { balanceCents: 100, ledgerSeq: 1 }, credit(-100), 'USD', NOW).after.balanceCents).toBe(
      0,
    );
    let error: unknown;
    try {
      nextEntry('alice', { balanceCents: 100, ledgerSeq: 1 }, credit(-101), 'USD', NOW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'insufficient_funds',
      details: { balanceCents: 100, neededCents: 101, currency: 'USD' },
    });
  });

  it('a credit beyond the maximum balance is invalid_request, so sums stay exact', () => {
    expect(() => nextEntry('alice', { balanceCents: MAX_BALANCE_CENTS, ledgerSeq: 3 }, credit(1), 'USD', NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('any sequence of changes: balances never go below 0, entries are 1, 2, 3… and replay to the balance', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 60 }), (amounts) => {
        let state: AccountState = accountOf({});
        const entries = [];
        for (const amount of amounts) {
          try {
            const next = nextEntry('bob', state, credit(amount), 'USD', NOW);
            entries.push(next.entry);
            state = next.after;
          } catch (error) {
            expect((error as ApiError).code).toBe('insufficient_funds');
            expect(state.balanceCents + amount).toBeLessThan(0);
          }
        }
        expect(entries.map((e) => e.entry)).toEqual(entries.map((_, i) => i + 1));
        expect(entries.reduce((sum, e) => sum + e.amountCents, 0)).toBe(state.balanceCents);
        for (const e of entries) expect(e.balanceAfterCents).toBeGreaterThanOrEqual(0);
        expect(state.ledgerSeq).toBe(entries.length);
      }),
    );
  });

  it('a customer stored before accounts existed has 0 and no entries; stored values are kept', () => {
    expect(accountOf({})).toEqual({ balanceCents: 0, ledgerSeq: 0 });
    expect(accountOf({ balanceCents: '5', ledgerSeq: null })).toEqual({ balanceCents: 0, ledgerSeq: 0 });
    expect(accountOf({ balanceCents: 42, ledgerSeq: 3 })).toEqual({ balanceCents: 42, ledgerSeq: 3 });
  });
});

describe('signed cancellations: each check, for its own reason', () => {
  const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
  const ORDER_ID = 'A'.repeat(22);
  let key: CustomerKey;
  let other: CustomerKey;

  beforeAll(async () => {
    [key, other] = await Promise.all([customerKey('ecdsa', 'alice-key'), customerKey('ed25519', 'alice-key')]);
  });

  const context = (overrides: Partial<Parameters<typeof verifyCancellation>[1]> = {}) => ({
    customerId: 'alice',
    opdId: 'opd',
    orderId: ORDER_ID,
    customerKey: (kid: string) => Promise.resolve(kid === key.verifier.kid ? key.verifier : undefined),
    now: NOW,
    ...overrides,
  });
  const sign = (overrides: Partial<Parameters<typeof signCancellation>[0]> = {}) =>
    signCancellation({
      customerId: 'alice',
      opdId: 'opd',
      orderId: ORDER_ID,
      signer: key.signer,
      now: NOW,
      ...overrides,
    });

  it('a request signed by the registered key verifies and gives back its claims', async () => {
    const verified = await verifyCancellation(sign({ jti: 'j'.repeat(22) }), context());
    expect(verified.claims).toEqual({
      iss: 'alice',
      aud: 'opd',
      iat: NOW / 1000,
      jti: 'j'.repeat(22),
      orderId: ORDER_ID,
    });
    expect(verified.alg).toBe('ES256');
  });

  it('signature_malformed: an order JWS (another typ) is not a cancellation', async () => {
    const claims = { iss: 'alice', aud: 'opd', iat: NOW / 1000, jti: 'j'.repeat(22), orderId: ORDER_ID };
    const jws = signJws(Buffer.from(JSON.stringify(claims)), key.signer, 'po-order+jws');
    await expectEnvelopeError(verifyCancellation(jws, context()), 'signature_malformed');
  });

  it('customer_key_unknown: signed with a key the customer has not registered', async () => {
    await expectEnvelopeError(
      verifyCancellation(sign(), context({ customerKey: () => Promise.resolve(undefined) })),
      'customer_key_unknown',
    );
  });

  it('algorithm_mismatch and signature_invalid: another key under the registered key ID', async () => {
    await expectEnvelopeError(verifyCancellation(sign({ signer: other.signer }), context()), 'algorithm_mismatch');
    const [header, payload] = sign().split('.');
    const forged = `${header}.${payload}.${sign({ jti: 'k'.repeat(22) }).split('.')[2]}`;
    await expectEnvelopeError(verifyCancellation(forged, context()), 'signature_invalid');
  });

  it('claims_invalid: an extra member, a missing one, or another order than the one in the path', async () => {
    const extra = { iss: 'alice', aud: 'opd', iat: NOW / 1000, jti: 'j'.repeat(22), orderId: ORDER_ID, refund: 1 };
    await expectEnvelopeError(
      verifyCancellation(signJws(Buffer.from(JSON.stringify(extra)), key.signer, CANCEL_TYP), context()),
      'claims_invalid',
    );
    const missing = { iss: 'alice', aud: 'opd', iat: NOW / 1000, jti: 'j'.repeat(22) };
    await expectEnvelopeError(
      verifyCancellation(signJws(Buffer.from(JSON.stringify(missing)), key.signer, CANCEL_TYP), context()),
      'claims_invalid',
    );
    await expectEnvelopeError(verifyCancellation(sign(), context({ orderId: 'B'.repeat(22) })), 'claims_invalid');
  });

  it('issuer_mismatch and audience_mismatch: signed for another customer or another OPD', async () => {
    await expectEnvelopeError(verifyCancellation(sign({ customerId: 'mallory' }), context()), 'issuer_mismatch');
    await expectEnvelopeError(verifyCancellation(sign({ opdId: 'other-opd' }), context()), 'audience_mismatch');
  });

  it('iat_too_old and iat_in_future: outside the clock-skew window, not a second inside it', async () => {
    await expectEnvelopeError(verifyCancellation(sign({ now: NOW - 301_000 }), context()), 'iat_too_old');
    await expectEnvelopeError(verifyCancellation(sign({ now: NOW + 301_000 }), context()), 'iat_in_future');
    await expect(verifyCancellation(sign({ now: NOW - 300_000 }), context())).resolves.toBeDefined();
    await expect(verifyCancellation(sign({ now: NOW + 300_000 }), context())).resolves.toBeDefined();
  });

  it('signature_malformed: hostile text instead of a JWS', async () => {
    for (const text of ['', 'a.b', `${b64u('{"alg":"EdDSA"}')}..`, 'x'.repeat(10_000), '\u0000.\u202e.\ud800']) {
      await expectEnvelopeError(verifyCancellation(text, context()), 'signature_malformed');
    }
  });
});
