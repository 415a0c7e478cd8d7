/**
 * The shape of a compact JWS (RFC 7515): split, header checked, parts decoded — nothing verified. Pure, so that the
 * console checks evidence in a browser with the same rules as po and the functions (shared/envelope/jws.ts signs and
 * verifies with node:crypto).
 */
import { decode as b64uDecode, encode as b64u } from '../base64url.js';
import { EnvelopeError } from '../errors.js';
import { parseJsonObject } from '../json.js';
import { SIGNATURE_ALGS } from '../rules.js';
import type { SignatureAlg } from '../rules.js';

/** The JWS `typ` of an order: explicit typing (RFC 8725 §3.11) so no other JWS can pass for an order. */
export const ORDER_JWS_TYP = 'po-order+jws';

/** Exactly these protected header members, no others (in particular no `crit`, `b64`, `jwk`, `jku`, `x5u`). */
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

/** A compact JWS split into its parts; nothing is verified yet. */
export interface ParsedJws {
  readonly alg: string;
  readonly kid: string;
  /** ASCII(BASE64URL(header) '.' BASE64URL(payload)): the bytes the signature covers. */
  readonly signingInput: string;
  readonly payloadB64: string;
  /** The payload's bytes (decoded once, here). */
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

function malformed(message: string): EnvelopeError {
  return new EnvelopeError('signature_malformed', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes base64url UTF-8 JSON into an object with unique member names, or returns `undefined`. */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = b64uDecode(segment);
  return bytes && jsonObjectOf(bytes);
}

/** Reads UTF-8 JSON bytes as an object with unique member names, or returns `undefined`. */
export function jsonObjectOf(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  return parseJsonObject(text);
}

/** A protected header that passed every check of {@link parseJws} for its own `typ`. */
interface CheckedHeader {
  readonly alg: string;
  readonly kid: string;
  readonly typ: string;
}

/**
 * Headers already checked, by their base64url text. A customer signs every order with one key, so its orders share
 * one header, and reading it (base64url, UTF-8, strict JSON, the member checks) was a fifth of the OPD's parsing. The
 * same text always reads the same, so a checked header needs no second reading. Bounded: headers of at most
 * {@link CACHED_HEADER_CHARS} characters (a real one is under 250), at most {@link CACHED_HEADERS} of them (then emptied).
 */
const checkedHeaders = new Map<string, CheckedHeader>();
const CACHED_HEADERS = 1024;
const CACHED_HEADER_CHARS = 512;

/** Reads and checks a protected header, in the order of the checks of {@link parseJws}. */
function checkHeader(headerB64: string, typ: string): CheckedHeader {
  const known = checkedHeaders.get(headerB64);
  if (known) {
    // The only check a header that passed once can fail: it passed for its own typ, which may not be the one asked.
    if (known.typ !== typ) throw malformed(`the JWS typ must be "${typ}"`);
    return known;
  }
  const header = decodeJsonObject(headerB64);
  if (!header) throw malformed('the JWS header is not a base64url-encoded JSON object with unique members');
  const extra = Object.keys(header).find((name) => !HEADER_MEMBERS.has(name));
  if (extra !== undefined) throw malformed(`the JWS header has an unsupported member "${extra.slice(0, 32)}"`);
  if (header.typ !== typ) throw malformed(`the JWS typ must be "${typ}"`);
  if (typeof header.alg !== 'string') throw malformed('the JWS header has no alg');
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw malformed('the JWS header has no kid');
  const checked = { alg: header.alg, kid: header.kid, typ };
  if (headerB64.length <= CACHED_HEADER_CHARS) {
    if (checkedHeaders.size >= CACHED_HEADERS) checkedHeaders.clear();
    checkedHeaders.set(headerB64, checked);
  }
  return checked;
}

/**
 * Splits a compact JWS and checks its protected header's shape and `typ` (not the algorithm: that is checked against
 * the registered key by the caller).
 * @throws EnvelopeError `signature_malformed`
 */
export function parseJws(jws: string, typ: string = ORDER_JWS_TYP): ParsedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw malformed('not a compact JWS (3 parts)');
  const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
  const { alg, kid } = checkHeader(headerB64, typ);
  const payload = b64uDecode(payloadB64);
  if (!payload) throw malformed('the JWS payload is not base64url');
  const signature = b64uDecode(signatureB64);
  if (!signature) throw malformed('the JWS signature is not base64url');
  return {
    alg,
    kid,
    // The first two parts and the dot between them, as they stand in the JWS (one slice, no second concatenation).
    signingInput: jws.slice(0, headerB64.length + 1 + payloadB64.length),
    payloadB64,
    payload,
    signature,
  };
}

/**
 * What a JWS signs: ASCII(BASE64URL(header) '.' BASE64URL(payload)), the header's members exactly `{alg, kid, typ}`
 * in that order. One function for every signer (node:crypto in po and the OPD, WebCrypto in the portal), so the same
 * key and payload give the same bytes wherever they are signed.
 */
export function jwsSigningInput(payload: Uint8Array, alg: SignatureAlg, kid: string, typ: string): string {
  return `${b64u(JSON.stringify({ alg, kid, typ }))}.${b64u(payload)}`;
}

/** True if `alg` is one of the four signature algorithms (a type guard, nothing more). */
export function isSignatureAlg(alg: string): alg is SignatureAlg {
  return (SIGNATURE_ALGS as readonly string[]).includes(alg);
}
