/**
 * Reading a PEM private key in the page: PKCS#8 (RFC 5208, 5958), plain or encrypted with PBES2 (RFC 8018) — PBKDF2
 * with HMAC-SHA-1, -256, -384 or -512 and AES-128/192/256-CBC, which is what `po keygen` (Node) and `openssl genpkey`
 * write — decrypted with WebCrypto, its structure read with the strict DER reader (shared/der.ts).
 *
 * What comes out is the decrypted PKCS#8 DER and the kind of key it holds; web/crypto/keys.ts turns it into a
 * non-extractable WebCrypto key. Codes are shared/keys.ts `parsePrivateKeyPem`'s; what po reads but a browser cannot
 * (DSA, the legacy OpenSSL PEM forms, other key encryptions) is `key_unsupported_in_browser`.
 */
import { decode as b64uDecode } from '../../shared/base64url.js';
import { DerReader } from '../../shared/der.js';
import { KeyError } from '../../shared/errors.js';
import { KEY_OIDS } from './signatures.js';

/** The kinds of private key the page signs with. */
export type PageKeyKind = 'rsa' | 'ec' | 'ed25519';

/** A private key's PKCS#8 DER (decrypted), what it is, and whether the PEM was encrypted. */
export interface Pkcs8Key {
  readonly der: Uint8Array;
  readonly kind: PageKeyKind;
  readonly encrypted: boolean;
}

/** PBKDF2's iteration count, capped: a hostile file must not hang the page (OpenSSL writes 2048, po the same). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** Far above any private key this project accepts (an RSA 8192 key is about 6.5 KB of PEM). */
const MAX_PEM_CHARS = 64 * 1024;

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA1: '1.2.840.113549.2.7',
  rsaPss: '1.2.840.113549.1.1.10',
  p256: '1.2.840.10045.3.1.7',
  x25519: '1.3.101.110',
} as const;
const PRF_HASHES: Readonly<Record<string, string>> = {
  [OID.hmacWithSHA1]: 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
/** AES-CBC by its OID: the key length in bytes. */
const AES_CBC_KEY_BYTES: Readonly<Record<string, number>> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
};
const AES_BLOCK_BYTES = 16;

const malformed = (why: string) => new KeyError('key_malformed', `the private key could not be read: ${why}`);
const notInBrowser = (why: string) => new KeyError('key_unsupported_in_browser', why);
const WRONG_PASSPHRASE = 'the passphrase does not decrypt this private key';

/** The PEM blocks' labels and bodies, in order. */
function pemBlocks(pem: string): Array<{ label: string; body: string }> {
  return [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)].map((match) => ({
    label: match[1]!,
    body: match[2]!,
  }));
}

/** The DER of a PEM body: padded standard base64 in lines, whatever the line ends. */
function base64Der(body: string): Uint8Array {
  const base64 = body.replace(/\s+/g, '');
  const der = /^[A-Za-z0-9+/]+={0,2}$/.test(base64)
    ? b64uDecode(base64.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'))
    : undefined;
  if (!der || der.length === 0) throw malformed('its PEM body is not base64');
  return der;
}

/** The PEM's one private-key block, or the refusal that says what the text is instead. */
function privateKeyBlock(pem: string): { der: Uint8Array; encrypted: boolean } {
  if (typeof pem !== 'string' || pem.length > MAX_PEM_CHARS) throw malformed('not a PEM text of a sensible size');
  const blocks = pemBlocks(pem);
  const block = blocks.find(({ label }) => label === 'PRIVATE KEY' || label === 'ENCRYPTED PRIVATE KEY');
  if (block) return { der: base64Der(block.body), encrypted: block.label === 'ENCRYPTED PRIVATE KEY' };
  if (blocks.some(({ label }) => /^(RSA|EC|DSA) PRIVATE KEY$/.test(label)))
    throw notInBrowser(
      'this is a legacy OpenSSL private key, which only po reads; convert it to PKCS#8 (openssl pkcs8 -topk8) or use po',
    );
  if (blocks.some(({ label }) => label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY'))
    throw new KeyError('key_wrong_kind', 'this is a public key; a private key is needed here');
  throw malformed('not a PEM private key (expected a PKCS#8 "PRIVATE KEY" PEM block, as openssl genpkey writes)');
}

/** PBES2's parameters, read and checked: what deriving the key and decrypting need. */
interface Pbes2 {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly hash: string;
  readonly keyBytes: number;
  readonly iv: Uint8Array;
  readonly data: Uint8Array;
}

/** Reads an EncryptedPrivateKeyInfo (RFC 5958 §3) whose encryption is PBES2 with PBKDF2 and AES-CBC. */
function readPbes2(der: Uint8Array): Pbes2 {
  const input = new DerReader(der);
  const info = input.sequence();
  input.end();
  const algorithm = info.sequence();
  const scheme = algorithm.oid();
  if (scheme !== OID.pbes2)
    throw notInBrowser(
      `the key is encrypted with ${scheme}, not PBES2; re-encrypt it (openssl pkcs8 -topk8) or use po`,
    );
  const parameters = algorithm.sequence();
  algorithm.end();
  const kdf = parameters.sequence();
  const kdfOid = kdf.oid();
  if (kdfOid !== OID.pbkdf2)
    throw notInBrowser(`the key's passphrase is derived with ${kdfOid}, not PBKDF2 (a browser has no scrypt); use po`);
  const kdfParameters = kdf.sequence();
  kdf.end();
  const salt = kdfParameters.octetString();
  const iterations = kdfParameters.integer();
  const keyLength = kdfParameters.nextTag === 0x02 ? kdfParameters.integer() : undefined;
  let prf: string = OID.hmacWithSHA1; // RFC 8018 §A.2: the default, which older OpenSSL writes by leaving it out
  if (!kdfParameters.done) {
    const prfAlgorithm = kdfParameters.sequence();
    prf = prfAlgorithm.oid();
    if (!prfAlgorithm.done) prfAlgorithm.null();
    prfAlgorithm.end();
  }
  kdfParameters.end();
  const cipher = parameters.sequence();
  const cipherOid = cipher.oid();
  const iv = cipher.octetString();
  cipher.end();
  parameters.end();
  const data = info.octetString();
  info.end();

  const hash = PRF_HASHES[prf];
  if (!hash) throw notInBrowser(`the key's PBKDF2 uses the PRF ${prf}, not HMAC with SHA-1/256/384/512; use po`);
  const keyBytes = AES_CBC_KEY_BYTES[cipherOid];
  if (!keyBytes) throw notInBrowser(`the key is encrypted with ${cipherOid}, not AES-CBC; re-encrypt it or use po`);
  if (iterations < 1n) throw malformed('its PBKDF2 iteration count is not positive');
  if (iterations > BigInt(MAX_PBKDF2_ITERATIONS))
    throw notInBrowser(
      `the key's PBKDF2 iteration count exceeds ${MAX_PBKDF2_ITERATIONS}, more than the page will run`,
    );
  if (keyLength !== undefined && keyLength !== BigInt(keyBytes))
    throw malformed('its PBKDF2 key length is not the cipher key length');
  if (iv.length !== AES_BLOCK_BYTES) throw malformed(`its AES-CBC IV is not ${AES_BLOCK_BYTES} bytes`);
  if (data.length === 0 || data.length % AES_BLOCK_BYTES !== 0)
    throw malformed('its encrypted data is not whole AES blocks');
  return { salt, iterations: Number(iterations), hash, keyBytes, iv, data };
}

/** Derives the key from the passphrase and decrypts. A wrong passphrase shows as bad padding or, later, bad DER. */
async function decryptPbes2(pbes2: Pbes2, passphrase: string): Promise<Uint8Array> {
  const password = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const keyBits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'PBKDF2', salt: pbes2.salt.slice(), iterations: pbes2.iterations, hash: pbes2.hash },
      password,
      8 * pbes2.keyBytes,
    ),
  );
  let key: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  try {
    key = await crypto.subtle.importKey('raw', keyBits, { name: 'AES-CBC' }, false, ['decrypt']);
  } catch {
    throw notInBrowser(`this browser has no AES-${8 * pbes2.keyBytes}; re-encrypt the key with AES-256 or use po`);
  } finally {
    keyBits.fill(0);
  }
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-CBC', iv: pbes2.iv.slice() }, key, pbes2.data.slice()),
    );
  } catch {
    throw new KeyError('key_passphrase_wrong', WRONG_PASSPHRASE);
  }
}

/**
 * The kind of key a PrivateKeyInfo holds, its structure read strictly (version, algorithm, key, optional attributes
 * and public key, nothing after). Only the keys the page can sign with pass.
 * @throws KeyError `key_malformed`, `key_unsupported_in_browser` (DSA), `key_wrong_kind` (X25519), `key_unsupported`
 */
export function pkcs8Kind(der: Uint8Array): PageKeyKind {
  const input = new DerReader(der);
  const info = input.sequence();
  input.end();
  const version = info.integer();
  if (version !== 0n && version !== 1n) throw malformed(`PKCS#8 version ${version} is not 1 or 2`);
  const algorithm = info.sequence();
  const oid = algorithm.oid();
  const parameters = algorithm;
  info.octetString();
  if (info.nextTag === 0xa0) info.tagged(0xa0, 'the attributes');
  if (info.nextTag === 0x81 || info.nextTag === 0xa1) info.tagged(info.nextTag, 'the public key');
  info.end();
  switch (oid) {
    case KEY_OIDS.PS256.oid:
      parameters.null();
      parameters.end();
      return 'rsa';
    case KEY_OIDS.ES256.oid: {
      const curve = parameters.oid();
      parameters.end();
      if (curve !== OID.p256) throw new KeyError('key_unsupported', `EC curve ${curve} is not supported; use P-256`);
      return 'ec';
    }
    case KEY_OIDS.EdDSA.oid:
      parameters.end();
      return 'ed25519';
    case KEY_OIDS.DS256.oid:
      throw notInBrowser('a browser cannot sign with a DSA key (WebCrypto has no DSA): sign with po on this machine');
    case OID.x25519:
      throw new KeyError('key_wrong_kind', 'x25519 keys cannot sign; use an rsa, ecdsa or ed25519 key');
    case OID.rsaPss:
      throw new KeyError(
        'key_unsupported',
        'RSA-PSS-restricted keys are not supported; generate a plain RSA key (openssl genpkey -algorithm RSA)',
      );
    default:
      throw new KeyError('key_unsupported', `keys of algorithm ${oid} are not supported`);
  }
}

/**
 * Reads a PEM private key: PKCS#8, decrypted with `passphrase` if it is encrypted. A passphrase given for a key that
 * is not encrypted is not used (as po does); `encrypted` says which it was.
 * @throws KeyError `key_malformed`, `key_wrong_kind`, `key_unsupported`, `key_unsupported_in_browser`,
 * `key_passphrase_required` or `key_passphrase_wrong`
 */
export async function readPkcs8Pem(pem: string, passphrase?: string): Promise<Pkcs8Key> {
  const block = privateKeyBlock(pem);
  if (!block.encrypted) return { der: block.der, kind: pkcs8Kind(block.der), encrypted: false };
  if (passphrase === undefined)
    throw new KeyError('key_passphrase_required', 'the private key is encrypted; give its passphrase');
  const der = await decryptPbes2(readPbes2(block.der), passphrase);
  try {
    return { der, kind: pkcs8Kind(der), encrypted: true };
  } catch (error) {
    // Bytes that decrypted with valid padding but are no key: the passphrase was wrong (1 time in 256 or so).
    if (error instanceof KeyError && error.code === 'key_malformed') {
      der.fill(0);
      throw new KeyError('key_passphrase_wrong', WRONG_PASSPHRASE);
    }
    throw error;
  }
}
