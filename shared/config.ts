/**
 * The one configuration module: reads and validates the environment once per process, on first use — the first
 * request, not the import, so a function's module init stays small. A missing or malformed setting fails that request
 * and every later one (logged as `invalid configuration`, naming every bad setting; the API answers a bare 500),
 * never a later request with a wrong value.
 */
import * as z from 'zod/mini';
import { TABLES, tableEnvironmentVariable } from '../contract/tables.js';
import type { TableEnvironmentVariable, TableName } from '../contract/tables.js';
import { hasCents } from './money.js';
import { OPD_ID_PATTERN } from './rules.js';

/**
 * The environment's schema, built on the first {@link loadConfig} (then kept) rather than when the module is imported:
 * the settings are read on first use anyway, and an import is part of every function's module init.
 */
function buildSchema() {
  const endpoint = z.optional(z.url({ protocol: /^https?$/ }));
  const table = z.string().check(z.minLength(1));

  /** One required setting per table of the contract (`CUSTOMERS_TABLE`…): the table's physical name. */
  const tableSettings = Object.fromEntries(TABLES.map(({ name }) => [tableEnvironmentVariable(name), table])) as Record<
    TableEnvironmentVariable,
    typeof table
  >;

  return z.object({
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    ...tableSettings,
    /** The project's KMS key (ID, ARN or alias) that wraps the server and token keys. */
    KMS_KEY_ID: z.string().check(z.minLength(1)),
    /** Verified SES identity confirmations are sent from (notify only). */
    SES_SENDER: z.optional(z.email()),
    /**
     * Emails per second the mail sweeper may send (the stack's `SesSendRate`: the share of the account's SES sending
     * quota it may use). Default 14, a new production SES account's quota.
     */
    SES_SEND_RATE: z._default(z.coerce.number().check(z.positive(), z.maximum(10_000)), 14),
    /** The catalogue's currency: prices, signed orders and receipts are in its cents. ISO 4217 with two minor digits. */
    CATALOGUE_CURRENCY: z._default(
      z.string().check(z.refine(hasCents, 'must be an ISO 4217 currency code with two minor digits (USD, EUR, GBP…)')),
      'USD',
    ),
    /** Who signs receipts (their `iss`): the OPD's name, as customers and third parties will read it. */
    OPD_ID: z._default(z.string().check(z.regex(OPD_ID_PATTERN)), 'opd'),
    SESSION_TTL_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(60), z.maximum(3600)), 900),
    /** The longest a session lasts from its login, refreshes included, in seconds (default 12 hours). */
    SESSION_MAX_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(60)), 12 * 3600),
    /** How long a rotated-out server key still decrypts, in seconds (default 7 days). */
    SERVER_KEY_GRACE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 7 * 24 * 3600),
    /** Local stack only: endpoints of DynamoDB Local, the KMS endpoint and the SES emulator. Unset on AWS. */
    DYNAMODB_ENDPOINT: endpoint,
    KMS_ENDPOINT: endpoint,
    SES_ENDPOINT: endpoint,
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

export type Config = Readonly<{
  region: string;
  /** Each table's physical name, by its logical name. */
  tables: Readonly<{ [Name in TableName]: string }>;
  kmsKeyId: string;
  sesSender: string | undefined;
  /** Emails per second the mail sweeper may send (`SES_SEND_RATE`). */
  sesSendRate: number;
  catalogueCurrency: string;
  opdId: string;
  sessionTtlSeconds: number;
  sessionMaxSeconds: number;
  serverKeyGraceSeconds: number;
  endpoints: Readonly<{ dynamodb: string | undefined; kms: string | undefined; ses: string | undefined }>;
}>;

/** Validates `env` (default: process.env). @throws Error naming every bad setting */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  schema ??= buildSchema();
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = result.data;
  return {
    region: e.AWS_REGION,
    tables: Object.fromEntries(TABLES.map(({ name }) => [name, e[tableEnvironmentVariable(name)]])) as Config['tables'],
    kmsKeyId: e.KMS_KEY_ID,
    sesSender: e.SES_SENDER,
    sesSendRate: e.SES_SEND_RATE,
    catalogueCurrency: e.CATALOGUE_CURRENCY,
    opdId: e.OPD_ID,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sessionMaxSeconds: e.SESSION_MAX_SECONDS,
    serverKeyGraceSeconds: e.SERVER_KEY_GRACE_SECONDS,
    endpoints: { dynamodb: e.DYNAMODB_ENDPOINT, kms: e.KMS_ENDPOINT, ses: e.SES_ENDPOINT },
  };
}

let cached: Config | undefined;

/** The process's configuration, validated on first use and then kept. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Forgets the cached configuration (tests change the environment between cases). */
export function resetConfig(): void {
  cached = undefined;
}
