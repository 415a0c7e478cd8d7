/**
 * The console's evidence checks (shared/evidence.ts with WebCrypto, web/crypto/evidence-crypto.ts) against po's
 * (the same checks with node:crypto): on every valid bundle, of every signature algorithm, accepted and cancelled,
 * both prove the same thing. (Every refusal of the evidence suites is checked with both: test/helpers/bundles.ts.)
 */
import { describe, expect, it } from 'vitest';
import { checkEvidence } from '../shared/evidence.js';
import { verifyEvidence } from '../shared/evidence-node.js';
import { WEB_EVIDENCE_CRYPTO } from '../web/crypto/evidence-crypto.js';
import { bundle, cancelled, failsWith } from './helpers/bundles.js';
import { SIGNING_ALGORITHMS, makeKeysBeforeAll } from './helpers/keys.js';

makeKeysBeforeAll();

describe('evidence checked in the console (WebCrypto) and by po (node:crypto)', () => {
  it.each(SIGNING_ALGORITHMS)('a %s order: the same proof', async (algorithm) => {
    const valid = bundle(algorithm);
    const byConsole = await checkEvidence(WEB_EVIDENCE_CRYPTO, valid);
    expect(byConsole).toEqual(await verifyEvidence(valid));
    expect(byConsole.customerKey.alg).toBe(valid.order.customerKey.alg);
  });

  it.each(SIGNING_ALGORITHMS)('a %s order cancelled by the customer: the same proof', async (algorithm) => {
    const valid = cancelled(algorithm);
    const byConsole = await checkEvidence(WEB_EVIDENCE_CRYPTO, valid);
    expect(byConsole).toEqual(await verifyEvidence(valid));
    expect(byConsole.cancellation?.request?.orderId).toBe(byConsole.order.jti);
  });

  it('an order cancelled by the OPD: the same proof, its reason as text', async () => {
    const valid = cancelled('ed25519', { by: 'opd' });
    const byConsole = await checkEvidence(WEB_EVIDENCE_CRYPTO, valid);
    expect(byConsole).toEqual(await verifyEvidence(valid));
    expect(byConsole.cancellation?.receipt.cancelledBy).toBe('opd');
  });

  it('a PEM with CRLF line ends (a second spelling of the same key) is refused by both', async () => {
    const b = bundle('ecdsa');
    b.order.customerKey.publicKeyPem = b.order.customerKey.publicKeyPem.replace(/\n/g, '\r\n');
    await failsWith(b, 'evidence_key_invalid');
  });
});
