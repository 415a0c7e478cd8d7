/**
 * Interoperability with jose, the reference JOSE library: whatever it produces we open, whatever we produce it opens.
 * DS256 is this project's private algorithm name, so jose can decrypt those envelopes but not verify the inner JWS.
 */
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { newOrderId, openOrder, sealOrder } from '../shared/envelope/index.js';
import { customerKeys, openOptions, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey, SigningAlgorithm } from './helpers/keys.js';

const JOSE_ALGORITHMS = ['rsa', 'ecdsa', 'ed25519'] as const satisfies readonly SigningAlgorithm[];
const ITEMS = [{ sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 }];

describe('interop with jose', () => {
  let server: ServerKey;
  let keys: Record<SigningAlgorithm, CustomerKey>;

  beforeAll(async () => {
    [server, keys] = await Promise.all([serverKey('srv-jose'), customerKeys()]);
  });

  it.each(JOSE_ALGORITHMS)('jose decrypts our envelope and verifies its %s JWS', async (algorithm) => {
    const { signer, verifier } = keys[algorithm];
    const envelope = sealOrder({ customerId: 'alice', items: ITEMS, currency: 'USD', signer, server });

    const decrypted = await compactDecrypt(envelope, server.privateKey);
    expect(decrypted.protectedHeader).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: server.kid,
      cty: 'po-order+jws',
    });
    const verified = await compactVerify(new TextDecoder().decode(decrypted.plaintext), verifier.publicKey);
    expect(verified.protectedHeader).toEqual({ alg: signer.alg, kid: signer.kid, typ: 'po-order+jws' });
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toMatchObject({
      iss: 'alice',
      aud: server.kid,
      items: ITEMS,
      currency: 'USD',
      totalCents: 2500,
    });
  });

  it('jose decrypts a DS256 envelope (the inner DSA signature is ours to verify)', async () => {
    const envelope = sealOrder({ customerId: 'alice', items: ITEMS, currency: 'USD', signer: keys.dsa.signer, server });
    const { plaintext } = await compactDecrypt(envelope, server.privateKey);
    const [header] = new TextDecoder().decode(plaintext).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'DS256' });
  });

  async function joseEnvelope(algorithm: SigningAlgorithm, keyManagement?: { apu: Uint8Array; apv: Uint8Array }) {
    const { signer } = keys[algorithm];
    const claims = {
      iss: 'alice',
      aud: server.kid,
      iat: Math.floor(Date.now() / 1000),
      jti: newOrderId(),
      items: ITEMS,
      currency: 'USD',
      totalCents: 2500,
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'po-order+jws' })
      .sign(signer.privateKey);
    const encrypt = new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: server.kid,
      cty: 'po-order+jws',
    });
    if (keyManagement) encrypt.setKeyManagementParameters(keyManagement);
    return { envelope: await encrypt.encrypt(server.publicKey), claims };
  }

  it.each(JOSE_ALGORITHMS)('we open an envelope built only with jose (%s)', async (algorithm) => {
    const { envelope, claims } = await joseEnvelope(algorithm);
    const opened = await openOrder(envelope, openOptions(server, [keys[algorithm].verifier]));
    expect(opened.claims).toEqual(claims);
  });

  it('we open a jose envelope whose producer set apu/apv (they feed the Concat KDF)', async () => {
    const { envelope, claims } = await joseEnvelope('ed25519', {
      apu: new TextEncoder().encode('customer-side'),
      apv: new TextEncoder().encode('opd'),
    });
    const header = JSON.parse(Buffer.from(envelope.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header.apu).toBe(b64u('customer-side'));
    const opened = await openOrder(envelope, openOptions(server, [keys.ed25519.verifier]));
    expect(opened.claims).toEqual(claims);
  });
});
