/**
 * Envelope benchmark: what the order function does per envelope besides the database — open the envelope, verify the
 * customer's signature, sign the receipt — against the bare node:crypto primitives that work cannot do without:
 * import the ephemeral X25519 key, derive (X25519 and the one SHA-256 round of the Concat KDF), AES-256-GCM decrypt,
 * one signature verify, the SHA-256 digest of the order JWS the receipt names, one Ed25519 signature. Both run in the
 * same process, interleaved round by round so both sides see the same machine state. The receipt alone is measured
 * too, against one bare Ed25519 signature over an input of the same size.
 *
 * The bare side is strict: its inputs are split and decoded beforehand, and it skips parsing, base64url, JSON, the
 * claim checks and the receipt's claims. The ratios are therefore upper bounds on our overhead.
 */
import { constants, createDecipheriv, createPublicKey, diffieHellman, hash, sign, verify } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { openOrder, sealOrder } from '../shared/envelope/index.js';
import type { OpenedOrder, ServerPublicKey } from '../shared/envelope/index.js';
import { receiptClaims, signReceipt } from '../shared/receipts.js';
import type { ReceiptSigner } from '../shared/receipts.js';
import { concatKdf } from '../shared/envelope/jwe.js';
import type { OpenOrderOptions } from '../shared/envelope/index.js';
import { signingKey, spkiFingerprint, verificationKey } from '../shared/keys.js';
import type { KeyAlgorithm, SignatureAlg, SigningKey } from '../shared/keys.js';
import { median, rate } from './measure.js';
import { generateKeyPair, keygenParameters } from '../shared/keygen.js';

/** One algorithm's envelope result (one row of the table `npm run bench` prints). */
export interface EnvelopeBenchResult {
  readonly alg: SignatureAlg;
  readonly key: string;
  /** Envelopes per second: open + verify + receipt signed, as the order function does. */
  readonly oursOpsPerSec: number;
  /** The same work in bare primitives per second. */
  readonly bareOpsPerSec: number;
  /** bare ÷ ours: how many times slower our envelope work is than its bare primitives (1 = no overhead). */
  readonly ratio: number;
}

/** The receipt-signing result. */
export interface ReceiptBenchResult {
  readonly oursOpsPerSec: number;
  readonly bareOpsPerSec: number;
  readonly ratio: number;
  /** Length of one receipt (compact JWS characters = bytes) for a two-line order. */
  readonly receiptBytes: number;
  /** Microseconds per receipt, ours. */
  readonly microsecondsPerReceipt: number;
}

/** The goal for the envelope part: at most this many times the bare primitives' time, for every algorithm. */
export const ENVELOPE_GOAL = 1.25;

const CASES: ReadonlyArray<{ algorithm: KeyAlgorithm; bits?: number; key: string }> = [
  { algorithm: 'rsa', bits: 3072, key: 'RSA 3072' },
  { algorithm: 'dsa', bits: 2048, key: 'DSA 2048/224' },
  { algorithm: 'ecdsa', key: 'ECDSA P-256' },
  { algorithm: 'ed25519', key: 'Ed25519' },
];
const ENVELOPES = 64;

interface BareInputs {
  epk: JsonWebKey;
  apu: Buffer;
  apv: Buffer;
  iv: Buffer;
  aad: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  signingInput: Buffer;
  signature: Buffer;
  /** The order JWS, whose digest the receipt names, and a receipt-sized input for the one Ed25519 signature. */
  jws: Buffer;
  receiptInput: Buffer;
}

/** The benchmark's orders: {@link ENVELOPES} two-line orders signed by `signer`, sealed to `server`. */
function sealEnvelopes(signer: SigningKey, server: ServerPublicKey, now: number): string[] {
  return Array.from({ length: ENVELOPES }, () =>
    sealOrder({
      customerId: 'bench',
      items: [
        { sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 },
        { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
      ],
      currency: 'USD',
      signer,
      server,
      now,
    }),
  );
}

/** The receipt the order function signs for an opened order. */
function receiptFor(order: OpenedOrder, signer: ReceiptSigner, now: number): string {
  return signReceipt(
    receiptClaims({
      issuer: 'opd',
      customerId: order.claims.iss,
      orderId: order.claims.jti,
      acceptedAt: now,
      ledgerEntry: 1,
      orderJws: order.jws,
      customerKeyFingerprint: spkiFingerprint(order.customerKey.publicKey),
      lines: order.claims.items,
      currency: order.claims.currency,
      totalCents: order.claims.totalCents,
    }),
    signer,
  );
}

/** Runs the envelope benchmark; `rounds` × 2 × `roundMs` per algorithm. */
export async function benchEnvelope(
  options: { rounds?: number; roundMs?: number; log?: (line: string) => void } = {},
): Promise<EnvelopeBenchResult[]> {
  const { rounds = 5, roundMs = 400, log = () => undefined } = options;
  const server = await generateKeyPair(keygenParameters('x25519'));
  const receiptKey = await generateKeyPair(keygenParameters('ed25519'));
  const receiptSigner: ReceiptSigner = { kid: 'bench-receipt-key', privateKey: receiptKey.privateKey };
  const serverKid = 'bench-server';
  const results: EnvelopeBenchResult[] = [];

  for (const testCase of CASES) {
    log(`  ${testCase.key}: preparing ${ENVELOPES} envelopes…`);
    const pair = await generateKeyPair(keygenParameters(testCase.algorithm, testCase.bits));
    const signer = signingKey(pair.privateKey);
    const verifier = verificationKey(pair.publicKey);
    const now = Date.now();
    const envelopes = sealEnvelopes(signer, { kid: serverKid, publicKey: server.publicKey }, now);
    const openOptions: OpenOrderOptions = {
      customerId: 'bench',
      serverKey: (kid) => (kid === serverKid ? server.privateKey : undefined),
      customerKey: (kid) => (kid === verifier.kid ? verifier : undefined),
      now,
    };

    // The bare side's inputs: split and decoded outside the timed loop.
    const bare: BareInputs[] = await Promise.all(
      envelopes.map(async (envelope) => {
        const [header, , iv, ciphertext, tag] = envelope.split('.') as [string, string, string, string, string];
        const { epk } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { epk: JsonWebKey };
        const opened = await openOrder(envelope, openOptions);
        const [h, p, s] = opened.jws.split('.') as [string, string, string];
        const receipt = receiptFor(opened, receiptSigner, now);
        return {
          epk,
          apu: Buffer.alloc(0),
          apv: Buffer.alloc(0),
          iv: Buffer.from(iv, 'base64url'),
          aad: Buffer.from(header, 'ascii'),
          ciphertext: Buffer.from(ciphertext, 'base64url'),
          tag: Buffer.from(tag, 'base64url'),
          signingInput: Buffer.from(`${h}.${p}`),
          signature: Buffer.from(s, 'base64url'),
          jws: Buffer.from(opened.jws),
          receiptInput: Buffer.from(receipt.slice(0, receipt.lastIndexOf('.'))),
        };
      }),
    );
    const verifyKey =
      verifier.alg === 'PS256'
        ? { key: pair.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : verifier.alg === 'EdDSA'
          ? { key: pair.publicKey }
          : { key: pair.publicKey, dsaEncoding: 'ieee-p1363' as const };
    const digest = verifier.alg === 'EdDSA' ? null : 'sha256';
    const bareOp = (i: number) => {
      const input = bare[i % ENVELOPES]!;
      const epk = createPublicKey({ key: input.epk, format: 'jwk' });
      const secret = diffieHellman({ privateKey: server.privateKey, publicKey: epk });
      const decipher = createDecipheriv('aes-256-gcm', concatKdf(secret, input.apu, input.apv), input.iv, {
        authTagLength: 16,
      });
      decipher.setAAD(input.aad);
      decipher.setAuthTag(input.tag);
      Buffer.concat([decipher.update(input.ciphertext), decipher.final()]);
      if (!verify(digest, input.signingInput, verifyKey, input.signature)) throw new Error('bench: bad signature');
      hash('sha256', input.jws, 'buffer');
      sign(null, input.receiptInput, receiptKey.privateKey);
    };
    const oursOp = async (i: number) =>
      receiptFor(await openOrder(envelopes[i % ENVELOPES]!, openOptions), receiptSigner, now);

    const { oursOpsPerSec, bareOpsPerSec, ratio } = await compare(rounds, roundMs, oursOp, bareOp);
    results.push({ alg: verifier.alg, key: testCase.key, oursOpsPerSec, bareOpsPerSec, ratio });
  }
  return results;
}

/** Warms both sides up, then measures them in interleaved rounds; medians and their ratio (bare ÷ ours). */
async function compare(
  rounds: number,
  roundMs: number,
  oursOp: (i: number) => unknown,
  bareOp: (i: number) => unknown,
): Promise<{ oursOpsPerSec: number; bareOpsPerSec: number; ratio: number }> {
  await rate(200, oursOp); // warm-up
  await rate(200, bareOp);
  const ours: number[] = [];
  const bareRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    ours.push(await rate(roundMs, oursOp));
    bareRates.push(await rate(roundMs, bareOp));
  }
  const oursOpsPerSec = Math.round(median(ours));
  const bareOpsPerSec = Math.round(median(bareRates));
  return { oursOpsPerSec, bareOpsPerSec, ratio: Number((bareOpsPerSec / oursOpsPerSec).toFixed(2)) };
}

/** Receipt signing as the order function does it, per order, against one bare Ed25519 signature. */
export async function benchReceipt(options: { rounds?: number; roundMs?: number } = {}): Promise<ReceiptBenchResult> {
  const { rounds = 5, roundMs = 400 } = options;
  const server = await generateKeyPair(keygenParameters('x25519'));
  const receiptKey = await generateKeyPair(keygenParameters('ed25519'));
  const customer = await generateKeyPair(keygenParameters('ecdsa'));
  const signer = signingKey(customer.privateKey);
  const verifier = verificationKey(customer.publicKey);
  const now = Date.now();
  const opened: OpenedOrder[] = await Promise.all(
    sealEnvelopes(signer, { kid: 'bench-server', publicKey: server.publicKey }, now).map((envelope) =>
      openOrder(envelope, {
        customerId: 'bench',
        serverKey: () => server.privateKey,
        customerKey: (kid) => (kid === verifier.kid ? verifier : undefined),
        now,
      }),
    ),
  );
  const receiptSigner: ReceiptSigner = { kid: 'bench-receipt-key', privateKey: receiptKey.privateKey };
  const sample = receiptFor(opened[0]!, receiptSigner, now);
  const signingInput = Buffer.from(sample.slice(0, sample.lastIndexOf('.')));
  const oursOp = (i: number) => receiptFor(opened[i % ENVELOPES]!, receiptSigner, now);
  const bareOp = () => sign(null, signingInput, receiptKey.privateKey);
  const measured = await compare(rounds, roundMs, oursOp, bareOp);
  return {
    ...measured,
    receiptBytes: sample.length,
    microsecondsPerReceipt: Number((1e6 / measured.oursOpsPerSec).toFixed(1)),
  };
}
