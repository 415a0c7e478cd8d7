/**
 * The page's envelope code (web/crypto/) as a test loads it into Chromium: bundled on its own by
 * test/e2e/page-vectors.test.ts and put on `globalThis.__pageCrypto`, so that the browser's own WebCrypto runs it. Only
 * that test bundles this file; no shipped bundle reaches it.
 *
 * CryptoKeys cannot leave the page, so what crosses is text: keys as PEM or base64url, results as strings.
 */
import { decode as b64uDecode } from '../../shared/base64url.js';
import { encryptJweInPage, importServerKey } from '../../web/crypto/jwe.js';
import type { PageDeterministicInputs } from '../../web/crypto/jwe.js';
import { generateBrowserKey, importPkcs8Pem, spkiFingerprintInPage } from '../../web/crypto/keys.js';
import { sealOrderInPage, signCancellationInPage, signKeyProofInPage } from '../../web/crypto/seal.js';

/** The DER PKCS#8 prefix of an X25519 private key (RFC 8410): the key's PKCS#8 is prefix ‖ its 32 raw bytes. */
const X25519_PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
);

/**
 * A vector's fixed ephemeral X25519 key (its 32 raw private bytes, base64url) and IV (base64url), as the page's
 * deterministic inputs. The public half is read from the private key's JWK, as a browser computes it.
 */
async function fixedInputs(rawPrivateKeyB64u: string, ivB64u: string): Promise<PageDeterministicInputs> {
  const raw = b64uDecode(rawPrivateKeyB64u);
  const iv = b64uDecode(ivB64u);
  if (raw?.length !== 32 || !iv) throw new RangeError('a fixed input is not base64url of the right length');
  const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.length + raw.length);
  pkcs8.set(X25519_PKCS8_PREFIX);
  pkcs8.set(raw, X25519_PKCS8_PREFIX.length);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
  const { x } = await crypto.subtle.exportKey('jwk', privateKey);
  const jwk = { kty: 'OKP', crv: 'X25519', x };
  const publicKey = await crypto.subtle.importKey('jwk', jwk, { name: 'X25519' }, true, []);
  return { ephemeral: { privateKey, publicKey }, iv };
}

/** What the test calls in the page. */
export const pageCrypto = {
  encryptJweInPage,
  importServerKey,
  generateBrowserKey,
  importPkcs8Pem,
  spkiFingerprintInPage,
  sealOrderInPage,
  signKeyProofInPage,
  signCancellationInPage,
  fixedInputs,
};

(globalThis as unknown as { __pageCrypto: typeof pageCrypto }).__pageCrypto = pageCrypto;
