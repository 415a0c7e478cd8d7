/**
 * The demo data `npm start` seeds: a catalogue of five products, two customers (alice with an RSA key, bob with a DSA
 * key), each with an opening balance, and the OPD's staff, one per role (shared/permissions.ts). It goes through the admin services and the data
 * modules the functions use, imported only when seeding starts: they load the handlers' logger, which reads its
 * settings from the environment once, and the local stack sets that environment just before it seeds.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '../shared/audit.js';
import type { StaffRole } from '../shared/permissions.js';
import { LocalStackError } from './errors.js';

/** A demo customer's login as written to `<demoDirectory>/credentials.json` and printed by `npm start`. */
export interface DemoCustomer {
  readonly customerId: string;
  readonly password: string;
  readonly alg: string;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

/** A demo staff member's login as written to `<demoDirectory>/staff.json` and printed by `npm start`. */
export interface DemoStaff {
  readonly staffId: string;
  readonly password: string;
  readonly roles: readonly StaffRole[];
}

/** The demo staff: one per role, each named after it (`opd-admin` holds `admin`). */
const DEMO_STAFF_ROLES: ReadonlyArray<readonly [string, StaffRole]> = [
  ['opd-admin', 'admin'],
  ['clerk', 'clerk'],
  ['finance', 'finance'],
  ['catalog', 'catalog'],
  ['security', 'security'],
];

/** Who the audit trail says seeded the demo. */
const SEEDING: Actor = { kind: 'operator', id: 'npm start', roles: [], requestId: 'demo seed' };

/** The demo catalogue (prices in US cents). */
export const DEMO_CATALOGUE = [
  { sku: 'WIDGET-1', name: 'Widget, steel', priceCents: 1250, stock: 500 },
  { sku: 'GADGET-2', name: 'Gadget, brass', priceCents: 999, stock: 200 },
  { sku: 'BOLT-M8', name: 'Hex bolt M8 × 40', priceCents: 35, stock: 10_000 },
  { sku: 'NUT-M8', name: 'Hex nut M8', priceCents: 12, stock: 10_000 },
  { sku: 'PUMP-300', name: 'Pump, 300 l/min', priceCents: 48_900, stock: 5 },
] as const;

/** What each demo customer's account is credited with when it is created (USD 500.00). */
export const DEMO_OPENING_BALANCE_CENTS = 50_000;

/** A fresh demo password. */
const password = () => randomBytes(12).toString('base64url');
const makeKeyPair = promisify(generateKeyPair);

/**
 * Seeds the demo catalogue and two customers (alice with an RSA key, bob with a DSA key, each with an opening balance)
 * unless they exist, and the demo staff (one per role) unless they exist. Passwords are random per data directory and
 * kept with the demo keys (0600), so restarts show the same ones. Customers seeded before accounts existed get their
 * opening balance on the next start; a data directory seeded before staff existed gets its staff.
 * @throws LocalStackError if the customers exist but their credentials file is gone
 */
export async function seedDemo(
  demoDirectory: string,
  log: (line: string) => void,
): Promise<{ customers: DemoCustomer[]; staff: DemoStaff[] }> {
  // Independent, and each mostly waits on scrypt and key generation (libuv's threads): seeded side by side.
  const [customers, staff] = await Promise.all([seedCustomers(demoDirectory, log), seedStaff(demoDirectory, log)]);
  return { customers, staff };
}

/** Seeds the demo staff unless they exist; returns their logins. */
async function seedStaff(demoDirectory: string, log: (line: string) => void): Promise<DemoStaff[]> {
  const { getStaff } = await import('../shared/aws/staff.js');
  const { addStaff } = await import('../shared/services/staff.js');
  const staffFile = join(demoDirectory, 'staff.json');
  const known = existsSync(staffFile) ? (JSON.parse(readFileSync(staffFile, 'utf8')) as DemoStaff[]) : [];
  let announced = false;
  // Each member's password hash (scrypt) is the work: all of them at once, in the order of the roles.
  const staff = await Promise.all(
    DEMO_STAFF_ROLES.map(async ([staffId, role]): Promise<DemoStaff> => {
      const kept = known.find((member) => member.staffId === staffId);
      if (kept && (await getStaff(staffId))) return kept;
      if (!announced) log('seeding the demo staff…');
      announced = true;
      const member: DemoStaff = { staffId, password: password(), roles: [role] };
      await addStaff({ ...member, email: `${staffId}@opd.local` }, SEEDING);
      return member;
    }),
  );
  writeFileSync(staffFile, `${JSON.stringify(staff, null, 2)}\n`, { mode: 0o600 });
  return staff;
}

/** Seeds the demo catalogue and customers unless they exist; returns the customers' logins. */
async function seedCustomers(demoDirectory: string, log: (line: string) => void): Promise<DemoCustomer[]> {
  const { getCustomer } = await import('../shared/aws/customers.js');
  const { createProduct } = await import('../shared/aws/catalog.js');
  const { registerCustomer } = await import('../shared/services/admin.js');
  const { exportPublicKeyPem } = await import('../shared/keys.js');
  const { exportPrivateKeyPem } = await import('../shared/keygen.js');
  const credentialsFile = join(demoDirectory, 'credentials.json');
  if (await getCustomer('alice')) {
    if (!existsSync(credentialsFile))
      throw new LocalStackError(
        `the demo customers exist but ${credentialsFile} is gone`,
        'move the data directory aside to start afresh, or use --in-memory',
      );
    // Data directories seeded before staff existed list an administrator customer too: not a customer's login.
    const existing = (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Array<DemoCustomer & { role?: string }>)
      .filter((entry) => entry.role === undefined || entry.role === 'customer')
      .map(({ role: _role, ...customer }) => customer);
    for (const customer of existing) await openingBalance(customer);
    return existing;
  }
  log('seeding the demo catalogue and customers…');
  for (const product of DEMO_CATALOGUE) {
    await createProduct(product, SEEDING).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'already_exists') throw error;
    });
  }
  const customers = await Promise.all(
    (
      [
        ['alice', 'rsa', 'PS256'],
        ['bob', 'dsa', 'DS256'],
      ] as const
    ).map(async ([customerId, type, alg]): Promise<DemoCustomer> => {
      // Off the event loop (DSA's parameters take seconds): both keys, and the scrypt hashes below, side by side.
      const pair =
        type === 'rsa'
          ? await makeKeyPair('rsa', { modulusLength: 3072, publicExponent: 65537 })
          : await makeKeyPair('dsa', { modulusLength: 2048, divisorLength: 224 });
      const privateKeyFile = join(demoDirectory, `${customerId}.key.pem`);
      const publicKeyFile = join(demoDirectory, `${customerId}.pub.pem`);
      writeFileSync(privateKeyFile, exportPrivateKeyPem(pair.privateKey), { mode: 0o600 });
      writeFileSync(publicKeyFile, exportPublicKeyPem(pair.publicKey), { mode: 0o644 });
      const customer = { customerId, password: password(), alg, privateKeyFile, publicKeyFile };
      if (!(await getCustomer(customerId)))
        await registerCustomer(
          {
            customerId,
            email: `${customerId}@customer.local`,
            password: customer.password,
            keys: [{ publicKeyPem: exportPublicKeyPem(pair.publicKey) }],
          },
          SEEDING,
        );
      await openingBalance(customer);
      return customer;
    }),
  );
  writeFileSync(credentialsFile, `${JSON.stringify(customers, null, 2)}\n`, { mode: 0o600 });
  return customers;
}

/** Credits a demo customer's opening balance if their account has no entry yet. */
async function openingBalance(customer: DemoCustomer): Promise<void> {
  const { getCustomer } = await import('../shared/aws/customers.js');
  const { postLedgerEntry } = await import('../shared/aws/accounts.js');
  const stored = await getCustomer(customer.customerId);
  if (!stored || (stored.ledgerSeq ?? 0) > 0) return;
  await postLedgerEntry(
    customer.customerId,
    { type: 'credit', amountCents: DEMO_OPENING_BALANCE_CENTS, reference: 'demo opening balance' },
    SEEDING,
  );
}
