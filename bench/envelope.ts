/**
 * Envelope benchmark: what the order function does per envelope besides the database — open the envelope, verify the
 * customer's signature, sign the receipt — against the bare node:crypto primitives that work cannot do without. The
 * bare side runs, per envelope: import the ephemeral X25519 key from its JWK (createPublicKey), X25519
 * (diffieHellman), the Concat KDF (one SHA-256 over its input, shared/envelope/jwe.ts `concatKdf`), AES-256-GCM
 * decrypt (createDecipheriv, setAAD, setAuthTag, update, final), one signature verify (`verify`, the key's padding
 * or signature encoding prepared once), the SHA-256 digest of the order JWS the receipt names (`hash`), one Ed25519
 * signature (`sign`) over a receipt-sized input. The receipt alone is measured too, against one bare Ed25519 signature
 * over an input of the same size.
 *
 * The bare side is strict: its inputs are split and decoded beforehand, and it skips parsing, base64url, JSON, the
 * claim checks and the receipt's claims. The ratios are therefore upper bounds on our overhead.
 *
 * Both sides run in the same process, in pairs of short adjacent rounds, the side that goes first alternating. Rates
 * are per CPU second of the process, so time spent descheduled on a shared machine counts for neither side; the ratio
 * compares each side's best round, and the ratios of the pairs of rounds (median, least, most) show the spread.
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
import { median } from './measure.js';
import { generateKeyPair, keygenParameters } from '../shared/keygen.js';

/** One algorithm's envelope result (one row of the table `npm run bench` prints). */
/**
 * Ours: envelopes per second, open + verify + receipt signed, as the order function does; bare: the same work in bare
 * primitives; the ratio bare ÷ ours says how many times slower our envelope work is (1 = no overhead).
 */
export interface EnvelopeBenchResult extends Comparison {
  readonly alg: SignatureAlg;
  readonly key: string;
}

/** The receipt-signing result. */
export interface ReceiptBenchResult extends Comparison {
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
/** Pairs of rounds per comparison, and each round's length: many short rounds follow a shared machine's load. */
export const ROUNDS = 15;
export const ROUND_MS = 150;

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

/** Runs the envelope benchmark; `rounds` × 2 × `roundMs` per algorithm (wall time), after a warm-up. */
export async function benchEnvelope(
  options: { rounds?: number; roundMs?: number; log?: (line: string) => void } = {},
): Promise<EnvelopeBenchResult[]> {
  const { rounds = ROUNDS, roundMs = ROUND_MS, log = () => undefined } = options;
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
      decipher.update(input.ciphertext);
      decipher.final();
      if (!verify(digest, input.signingInput, verifyKey, input.signature)) throw new Error('bench: bad signature');
      hash('sha256', input.jws, 'buffer');
      sign(null, input.receiptInput, receiptKey.privateKey);
    };
    const oursOp = async (i: number) =>
      receiptFor(await openOrder(envelopes[i % ENVELOPES]!, openOptions), receiptSigner, now);

    results.push({ alg: verifier.alg, key: testCase.key, ...(await compare(rounds, roundMs, oursOp, bareOp)) });
  }
  return results;
}

/**
 * Runs `op` repeatedly for about `ms` milliseconds of wall time; returns operations per CPU second of the process.
 * CPU time, not wall time: the machine may be shared, and time spent descheduled is nobody's cost.
 */
async function cpuRate(ms: number, op: (i: number) => unknown): Promise<number> {
  let count = 0;
  const start = process.cpuUsage(); // every thread of the process: the garbage collector's helpers too
  const end = performance.now() + ms;
  while (performance.now() < end) for (let j = 0; j < 16; j++) await op(count++);
  const { user, system } = process.cpuUsage(start);
  return count / ((user + system) / 1e6);
}

/**
 * Two sides compared. The headline is each side's best round (the most operations per CPU second): interference from
 * other processes only ever slows a round down, so the best round is the closest to each side's own cost. The
 * per-pair ratios say how much the machine's load moved the measurement.
 */
export interface Comparison {
  /** The best round's rate of each side. */
  readonly oursOpsPerSec: number;
  readonly bareOpsPerSec: number;
  /** bare ÷ ours of the best rounds. */
  readonly ratio: number;
  /** The ratio of each pair of adjacent rounds: median, least and most (the spread). */
  readonly pairRatioMedian: number;
  readonly pairRatioMin: number;
  readonly pairRatioMax: number;
}

const twoDecimals = (value: number) => Number(value.toFixed(2));

/**
 * Warms both sides up, then measures them in `rounds` pairs of adjacent rounds, the side that goes first alternating
 * from pair to pair, so that both sides see the same machine state.
 */
async function compare(
  rounds: number,
  roundMs: number,
  oursOp: (i: number) => unknown,
  bareOp: (i: number) => unknown,
): Promise<Comparison> {
  await cpuRate(300, oursOp); // warm-up
  await cpuRate(300, bareOp);
  const ours: number[] = [];
  const bareRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const oursFirst = round % 2 === 0;
    const first = await cpuRate(roundMs, oursFirst ? oursOp : bareOp);
    const second = await cpuRate(roundMs, oursFirst ? bareOp : oursOp);
    const [oursRate, bareRate] = oursFirst ? [first, second] : [second, first];
    ours.push(oursRate);
    bareRates.push(bareRate);
    ratios.push(bareRate / oursRate);
  }
  const oursBest = Math.max(...ours);
  const bareBest = Math.max(...bareRates);
  return {
    oursOpsPerSec: Math.round(oursBest),
    bareOpsPerSec: Math.round(bareBest),
    ratio: twoDecimals(bareBest / oursBest),
    pairRatioMedian: twoDecimals(median(ratios)),
    pairRatioMin: twoDecimals(Math.min(...ratios)),
    pairRatioMax: twoDecimals(Math.max(...ratios)),
  };
}

/** Receipt signing as the order function does it, per order, against one bare Ed25519 signature. */
export async function benchReceipt(options: { rounds?: number; roundMs?: number } = {}): Promise<ReceiptBenchResult> {
  const { rounds = ROUNDS, roundMs = ROUND_MS } = options;
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
