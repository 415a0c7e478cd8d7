/**
 * `po` as a customer gets it, without the repository: the package `npm run pack:po` makes, installed offline with the
 * machine's own Node and npm into an empty prefix, then run from an empty folder with an empty home against a real
 * local stack: keygen, login, an order, and its evidence verified.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PASSWORD, call, e2eStackForThisFile, fund, newProduct, stockOf } from '../helpers/e2e.js';
import { finished } from '../helpers/po.js';

const e2e = e2eStackForThisFile();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = '@secure-purchase-orders/po';

/** What scripts/pack-po.mjs prints with `--json`. */
interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

/**
 * The Node a customer would have: the machine's own (/usr/bin/node, Node 20 here), else a Node 20 to 22 on the PATH
 * that is not the project's, else the project's own, said so in the test's name. Its npm is the one beside it.
 */
function customersNode(): { node: string; npm: string; label: string } {
  const ours = realpathSync(process.execPath);
  const onPath = (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, 'node'));
  for (const node of ['/usr/bin/node', ...onPath]) {
    if (!existsSync(node) || realpathSync(node) === ours || node.startsWith(join(ROOT, 'node_modules'))) continue;
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const major = Number(/^v(\d+)\./.exec(version)?.[1]);
    const npm = join(dirname(node), 'npm');
    if (major >= 20 && major <= 22 && existsSync(npm)) return { node, npm, label: `${node} ${version}` };
  }
  return { node: ours, npm: 'npm', label: `the project's Node ${process.version}: no Node 20-22 on this machine` };
}

const runtime = customersNode();

/** Runs `command` to its end without blocking this process (the local stack answers from it meanwhile). */
function run(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string> }) {
  return (input = '') => finished(spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] }), input);
}

/** Every path under `folder`, relative to it, sorted. */
function tree(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
}

describe('po without the repository', () => {
  it(`npm run pack:po → npm install -g offline → keygen, login, order, verify, on ${runtime.label}`, async () => {
    const packed = JSON.parse(
      execFileSync(process.execPath, ['scripts/pack-po.mjs', '--json'], { cwd: ROOT, encoding: 'utf8' }),
    ) as Packed;
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'README.md',
      'THIRD-PARTY-LICENSES.txt',
      'package.json',
      'po.mjs',
    ]);

    // An empty prefix, home and npm cache, and a registry that does not exist: only the tarball can be installed.
    const scratch = mkdtempSync(join(tmpdir(), 'po-package-'));
    const [prefix, home, cache, work] = ['prefix', 'home', 'cache', 'work'].map((name) => join(scratch, name)) as [
      string,
      string,
      string,
      string,
    ];
    for (const folder of [home, work]) mkdirSync(folder);
    const env = { PATH: `${dirname(runtime.node)}${delimiter}/usr/bin${delimiter}/bin`, HOME: home };
    const npmEnv = { ...env, npm_config_cache: cache, npm_config_registry: 'http://127.0.0.1:9/' };
    const flags = ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'];
    const installed = await run(runtime.npm, [...flags, packed.tarball], { cwd: work, env: npmEnv })();
    expect(installed.code, installed.stderr).toBe(0);

    // The installed tree is the package alone: no node_modules inside it, no other package beside it.
    const modules = join(prefix, 'lib', 'node_modules');
    expect(tree(modules)).toEqual(
      ['', '/README.md', '/THIRD-PARTY-LICENSES.txt', '/package.json', '/po.mjs']
        .map((file) => `${PACKAGE}${file}`)
        .concat('@secure-purchase-orders')
        .sort(),
    );
    const manifest = JSON.parse(readFileSync(join(modules, PACKAGE, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ engines: { node: '>=20' }, bin: { po: 'po.mjs' } });
    expect(manifest).not.toHaveProperty('dependencies');
    const po = join(prefix, 'bin', 'po');
    expect(lstatSync(po).isSymbolicLink()).toBe(true);
    // The launcher's `#!/usr/bin/env node` finds the customer's Node, not the project's.
    expect(execFileSync('/usr/bin/env', ['node', '--version'], { env, encoding: 'utf8' }).trim()).toBe(
      execFileSync(runtime.node, ['--version'], { encoding: 'utf8' }).trim(),
    );
    const installedPo = (args: readonly string[], input?: string) => run(po, args, { cwd: work, env })(input);
    expect((await installedPo(['--version'])).stdout.trim()).toBe(manifest.version);

    const keygen = await installedPo(['keygen', '--alg', 'dsa', '--out', 'keys', '--name', 'pkg-dana']);
    expect(keygen.code, keygen.stderr).toBe(0);
    const kid = keygen.stdout.trim();
    const created = await call('POST', '/admin/customers', {
      token: e2e.adminToken,
      body: {
        customerId: 'pkg-dana',
        email: 'pkg-dana@customer.test',
        password: PASSWORD,
        keys: [{ publicKeyPem: readFileSync(join(work, 'keys', 'pkg-dana.pub.pem'), 'utf8') }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await fund('pkg-dana');
    await newProduct('PKG-1', 10, 1250);

    const keyFile = join(work, 'keys', 'pkg-dana.key.pem');
    const config = ['config', '--api', e2e.stack.apiUrl, '--customer', 'pkg-dana', '--key', keyFile];
    expect((await installedPo(config)).code).toBe(0);
    const login = await installedPo(['login', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.stdout, login.stderr).toMatch(/^logged in as pkg-dana \(customer\)/);
    expect(existsSync(join(home, '.config', 'po', 'config.json'))).toBe(true); // the clean home's, nowhere else

    const order = await installedPo(['--json', 'order', 'PKG-1:3', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; evidence: { file: string } };

    // What the OPD stored: the order, signed with the key the installed po made, and the stock taken.
    const stored = await call('GET', `/admin/orders/${placed.orderId}`, { token: e2e.adminToken });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      customerId: 'pkg-dana',
      status: 'accepted',
      totalCents: 3750,
      signature: { alg: 'DS256', keyId: kid },
    });
    expect(await stockOf('PKG-1', e2e.adminToken)).toBe(7);

    // The evidence the installed po kept holds the order the OPD stored, and verifies; an edited copy does not.
    const evidence = JSON.parse(readFileSync(placed.evidence.file, 'utf8')) as { order: { jws: string } };
    expect(evidence.order.jws).toBe((stored.body.signature as { jws: string }).jws);
    const verified = await installedPo(['verify', placed.evidence.file]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^VALID: order ${placed.orderId} of customer pkg-dana`));
    const [header, payload, signature] = evidence.order.jws.split('.') as [string, string, string];
    const edited = Buffer.from(payload, 'base64url').toString().replace('"qty":3', '"qty":30');
    evidence.order.jws = `${header}.${Buffer.from(edited).toString('base64url')}.${signature}`;
    writeFileSync(join(work, 'edited.evidence.json'), JSON.stringify(evidence));
    const refused = await installedPo(['verify', 'edited.evidence.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[order_signature_invalid\]/);
  });
});
