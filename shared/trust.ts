/**
 * Where a client's pins stand against the keys the OPD publishes now, the way ssh trusts a host: the server key orders
 * are encrypted to (by ID and fingerprint) and the receipt keys the OPD signs receipts with (by ID, which is always the
 * key's fingerprint, with the key itself so receipts verify without asking the OPD again). `po` keeps the pins in its
 * profile (cli/trust.ts), the portal in the browser (web/portal/trust.ts); both decide here.
 */

/** A key as a client pins it: its ID and fingerprint (base64url SHA-256 of the SPKI, computed by the client). */
export interface KeyPin {
  readonly kid: string;
  readonly fingerprint: string;
}

/** A pinned receipt key: its fingerprint (also its ID) and its Ed25519 public key (`x`, base64url). */
export interface ReceiptKeyPin {
  readonly fingerprint: string;
  readonly x: string;
}

/** What a client knows of one kind of key: the pin and what the OPD publishes now. */
export interface TrustState {
  readonly pinned: KeyPin | undefined;
  readonly current: KeyPin;
  /** `first-use` when nothing is pinned yet, `trusted` when the pin is the current key, `changed` when it is not. */
  readonly state: 'first-use' | 'trusted' | 'changed';
}

/** Where the server-key pin stands against the key the OPD publishes now. */
export function serverKeyTrust(pinned: KeyPin | undefined, current: KeyPin): TrustState {
  const now = { kid: current.kid, fingerprint: current.fingerprint };
  if (!pinned) return { pinned, current: now, state: 'first-use' };
  const same = pinned.kid === current.kid && pinned.fingerprint === current.fingerprint;
  return { pinned, current: now, state: same ? 'trusted' : 'changed' };
}

/** Where the receipt-key pins stand against the receipt key the OPD signs with now. */
export function receiptKeyTrust(
  pins: Readonly<Record<string, ReceiptKeyPin>> | undefined,
  current: { readonly kid: string; readonly x: string },
): TrustState {
  const entries = Object.entries(pins ?? {});
  const now = { kid: current.kid, fingerprint: current.kid };
  if (entries.length === 0) return { pinned: undefined, current: now, state: 'first-use' };
  if (pins?.[current.kid]?.x === current.x) return { pinned: now, current: now, state: 'trusted' };
  const [kid, pin] = entries.at(-1)!;
  return { pinned: { kid, fingerprint: pin.fingerprint }, current: now, state: 'changed' };
}
