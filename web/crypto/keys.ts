/**
 * The customer's key in the page: made there, or imported from a PEM file that `po keygen` or `openssl genpkey` wrote.
 * Either way the page keeps a NON-EXTRACTABLE private CryptoKey (a script can sign with it, never read it), with its
 * public half as SPKI and its key ID, the SPKI fingerprint (shared/keys.ts `spkiFingerprint`).
 *
 * The keys accepted are the server's (shared/keys.ts `describeKey`) that a browser can sign with: RSA 2048–8192 bits
 * used for PS256, ECDSA P-256, Ed25519. DSA is po's alone (WebCrypto has no DSA).
 */
import { encode as b64u } from '../../shared/base64url.js';
import { KeyError } from '../../shared/errors.js';
import { readPkcs8Pem } from './pkcs8.js';
import type { PageKeyKind } from './pkcs8.js';
import { SIGN_PARAMETERS } from './sign.js';
import type { BrowserSignatureAlg, BrowserSigningKey, WebCryptoKey } from './sign.js';
import { canonicalPem, checkRsaKey, sha256 } from './signatures.js';

type ImportAlgorithm = Parameters<typeof crypto.subtle.importKey>[2];
type GenerateAlgorithm = Parameters<typeof crypto.subtle.generateKey>[0];
type Jwk = Exclude<Awaited<ReturnType<typeof crypto.subtle.exportKey>>, ArrayBuffer>;

/** A key in the page: the signer (its private key non-extractable) and its public half, as the API registers it. */
export interface BrowserKey {
  readonly signer: BrowserSigningKey;
  readonly publicKey: WebCryptoKey;
  /** DER SubjectPublicKeyInfo; its SHA-256, base64url, is `signer.kid`. */
  readonly spkiDer: Uint8Array;
  /** The SPKI as PEM, canonical as `openssl pkey -pubout` writes it (what `POST /account/keys` takes). */
  readonly publicKeyPem: string;
  /** The algorithm in shared/keys.ts's words, and its size. */
  readonly algorithm: 'rsa' | 'ecdsa' | 'ed25519';
  readonly bits: number;
}

/** An imported key, and whether its PEM was passphrase-encrypted. */
export interface ImportedBrowserKey extends BrowserKey {
  readonly encrypted: boolean;
}

/** The keys the page makes: Ed25519, ECDSA P-256, RSA 3072 (po keygen's default size). */
export type BrowserKeyKind = 'ed25519' | 'p256' | 'rsa3072';

const KINDS: Readonly<
  Record<PageKeyKind, { alg: BrowserSignatureAlg; algorithm: BrowserKey['algorithm']; webCrypto: ImportAlgorithm }>
> = {
  rsa: { alg: 'PS256', algorithm: 'rsa', webCrypto: { name: 'RSA-PSS', hash: 'SHA-256' } },
  ec: { alg: 'ES256', algorithm: 'ecdsa', webCrypto: { name: 'ECDSA', namedCurve: 'P-256' } },
  ed25519: { alg: 'EdDSA', algorithm: 'ed25519', webCrypto: { name: 'Ed25519' } },
};

const GENERATE: Readonly<
  Record<BrowserKeyKind, { kind: PageKeyKind; parameters: { readonly name: string; readonly [more: string]: unknown } }>
> = {
  ed25519: { kind: 'ed25519', parameters: { name: 'Ed25519' } },
  p256: { kind: 'ec', parameters: { name: 'ECDSA', namedCurve: 'P-256' } },
  rsa3072: {
    kind: 'rsa',
    parameters: { name: 'RSA-PSS', modulusLength: 3072, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
  },
};

const notInBrowser = (error: unknown, what: string) =>
  error instanceof Error && error.name === 'NotSupportedError'
    ? new KeyError('key_unsupported_in_browser', `this browser cannot sign with ${what} keys; use po`)
    : undefined;

/** The key ID of a public key: base64url(SHA-256(DER SPKI)), as shared/keys.ts `spkiFingerprint` computes it. */
export async function spkiFingerprintInPage(publicKey: WebCryptoKey): Promise<string> {
  return b64u(await sha256(new Uint8Array(await crypto.subtle.exportKey('spki', publicKey))));
}

async function browserKey(kind: PageKeyKind, privateKey: WebCryptoKey, publicKey: WebCryptoKey): Promise<BrowserKey> {
  const { alg, algorithm } = KINDS[kind];
  const bits = kind === 'rsa' ? checkRsaKey(publicKey) : 256;
  const spkiDer = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
  const kid = b64u(await sha256(spkiDer));
  return { signer: { alg, kid, privateKey }, publicKey, spkiDer, publicKeyPem: canonicalPem(spkiDer), algorithm, bits };
}

/**
 * Makes a key pair in the page. The private key is not extractable: nothing, this code included, can read it.
 * @throws KeyError `key_unsupported_in_browser` if this browser cannot make such keys
 */
export async function generateBrowserKey(kind: BrowserKeyKind): Promise<BrowserKey> {
  const { kind: pageKind, parameters } = GENERATE[kind];
  let pair: { privateKey: WebCryptoKey; publicKey: WebCryptoKey };
  try {
    pair = (await crypto.subtle.generateKey(parameters as GenerateAlgorithm, false, ['sign', 'verify'])) as typeof pair;
  } catch (error) {
    throw notInBrowser(error, kind) ?? error;
  }
  return browserKey(pageKind, pair.privateKey, pair.publicKey);
}

/** The public members of a private JWK: what the public key is made from. */
function publicJwk(kind: PageKeyKind, jwk: Jwk): Jwk {
  switch (kind) {
    case 'rsa':
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    case 'ec':
      return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
}

/**
 * Imports a PEM private key as `po keygen` (shared/keygen.ts) or `openssl genpkey` writes it: PKCS#8, plain or
 * encrypted (PBES2: PBKDF2 with HMAC-SHA-1/256/384/512, AES-128/192/256-CBC). The caller gets a non-extractable
 * private key and the public half. To find the public half the key is imported once as extractable, its public
 * members read, and that copy dropped; the decrypted DER is overwritten once imported.
 * @throws KeyError `key_malformed`, `key_wrong_kind`, `key_unsupported`, `key_too_small`, `key_too_large`,
 * `key_passphrase_required`, `key_passphrase_wrong` (as shared/keys.ts `parsePrivateKeyPem` and `describeKey`), or
 * `key_unsupported_in_browser` (DSA, a legacy OpenSSL PEM, another key encryption; po reads them)
 */
export async function importPkcs8Pem(pem: string, passphrase?: string): Promise<ImportedBrowserKey> {
  const { der, kind, encrypted } = await readPkcs8Pem(pem, passphrase);
  // A copy of our own (never `slice`: on a Node Buffer it is a view of the same bytes), the original overwritten.
  const pkcs8 = Uint8Array.from(der);
  der.fill(0);
  const { webCrypto } = KINDS[kind];
  try {
    let extractable: WebCryptoKey;
    try {
      extractable = await crypto.subtle.importKey('pkcs8', pkcs8, webCrypto, true, ['sign']);
    } catch (error) {
      throw (
        notInBrowser(error, kind) ??
        (encrypted
          ? new KeyError('key_passphrase_wrong', 'the passphrase does not decrypt this private key')
          : new KeyError('key_malformed', 'the PEM private key could not be parsed'))
      );
    }
    if (kind === 'rsa') checkRsaKey(extractable);
    const jwk = await crypto.subtle.exportKey('jwk', extractable);
    const publicKey = await crypto.subtle.importKey('jwk', publicJwk(kind, jwk), webCrypto, true, ['verify']);
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, webCrypto, false, ['sign']);
    const key = await browserKey(kind, privateKey, publicKey);
    await checkPair(key);
    return { ...key, encrypted };
  } finally {
    pkcs8.fill(0);
  }
}

/** A key whose private half does not make signatures its public half verifies is damaged: refused before any use. */
async function checkPair(key: BrowserKey): Promise<void> {
  const probe = new TextEncoder().encode('po: the private key matches its public key');
  const parameters = SIGN_PARAMETERS[key.signer.alg];
  const signature = await crypto.subtle.sign(parameters, key.signer.privateKey, probe);
  if (!(await crypto.subtle.verify(parameters, key.publicKey, signature, probe)))
    throw new KeyError('key_malformed', 'the private key does not match its own public key');
}
