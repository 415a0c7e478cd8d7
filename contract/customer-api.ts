/**
 * What the public and customer routes answer, as clients read them: the server's own views (imported as types only,
 * so nothing of the server is bundled) and the few answers built in the route. `po` (cli/client.ts) and the portal
 * (web/portal/) both read them.
 */
import type { PublishedKey } from '../shared/aws/keystore.js';
import type { Product } from '../shared/orders.js';

export type { AccountView } from '../shared/accounts.js';
export type { PublishedKey } from '../shared/aws/keystore.js';
export type { OrderView, Product } from '../shared/orders.js';
export type { OwnKeyChange, OwnKeysView } from '../shared/services/own-keys.js';
export type { SessionView } from '../shared/services/sessions.js';

/** `GET /health`: that the OPD answers, and its clock (for the skew `po test` reports). */
export interface Health {
  readonly status: string;
  readonly time: string;
}

/** `GET /server-key`: the key orders are encrypted to (its ID and SPKI PEM; clients compute the fingerprint). */
export type ServerKeyAnswer = PublishedKey;

/** `GET /products`: the catalogue and the currency of its prices. */
export interface Catalogue {
  readonly currency: string;
  readonly products: Product[];
}

/**
 * `GET /receipt-keys`, read as unknown on purpose: a client trusts no key for what the OPD says of it, and checks each
 * one itself (cli/trust.ts, web/portal/).
 */
export interface PublishedReceiptKeys {
  readonly keys?: unknown;
  readonly current?: unknown;
}

/** The body of `POST /account/keys` (docs/api.md). */
export interface NewKeyRequest {
  readonly publicKeyPem: string;
  readonly keyId?: string;
  /** Signed with the new key's private key (docs/envelope.md §11). */
  readonly proof: string;
  readonly password: string;
}
