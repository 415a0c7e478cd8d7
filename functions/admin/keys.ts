/**
 * The OPD's own keys, for staff: rotate the server key or the receipt key, revoke a receipt key; each audited, naming
 * the staff member.
 */
import { rotateReceiptKey, rotateServerKey } from '../../shared/aws/keystore.js';
import { jsonResponse } from '../../shared/http.js';
import { parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { receiptKeyJwk } from '../../shared/receipts.js';
import type { Implementations } from '../../shared/router.js';
import { revokeReceiptKey } from '../../shared/aws/receipt-key-revocation.js';

/** `/admin/server-keys…` and `/admin/receipt-keys…` */
export const keyRoutes = {
  // Each rotation answers with the new key's fingerprint: the admin announces it so customers can check it.
  'POST /admin/server-keys/rotate': async ({ actor }) => {
    const rotated = await rotateServerKey(actor);
    return jsonResponse(201, { ...rotated, fingerprint: spkiFingerprint(parsePublicKeyPem(rotated.publicKeyPem)) });
  },
  'POST /admin/receipt-keys/rotate': async ({ actor }) => {
    const rotated = await rotateReceiptKey(actor);
    const jwk = receiptKeyJwk(parsePublicKeyPem(rotated.publicKeyPem));
    return jsonResponse(201, { ...rotated, fingerprint: jwk.kid, jwk });
  },
  // A receipt key that leaked: every order function stops signing with it by `signsNoMoreAfter`.
  'POST /admin/receipt-keys/{kid}/revoke': async ({ params, actor }) => {
    const revoked = await revokeReceiptKey(params.kid, actor);
    const jwk = receiptKeyJwk(parsePublicKeyPem(revoked.current.publicKeyPem));
    return jsonResponse(200, {
      kid: revoked.kid,
      status: 'revoked',
      revokedAt: revoked.revokedAt,
      signsNoMoreAfter: revoked.signsNoMoreAfter,
      current: { kid: jwk.kid, fingerprint: jwk.kid, jwk },
      rotated: revoked.rotated,
    });
  },
} satisfies Partial<Implementations<'admin'>>;
