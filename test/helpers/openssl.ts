/** Keys made by the openssl command line, to prove that its files work as they are. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslKeyFiles {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
  readonly privatePem: string;
  readonly publicPem: string;
}

/** The `openssl genpkey` arguments for each kind of key the tests need. */
export const OPENSSL_GENPKEY_ARGS = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  secp384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-algorithm', 'ED25519'],
  x25519: ['-algorithm', 'X25519'],
} as const;

export function tempDir(prefix = 'po-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes a key pair with `openssl genpkey` (and `openssl pkey -pubout`), optionally passphrase-encrypted. */
export function opensslKey(
  dir: string,
  name: string,
  genpkeyArgs: readonly string[],
  passphrase?: string,
): OpensslKeyFiles {
  const privateKeyFile = join(dir, `${name}.key.pem`);
  const publicKeyFile = join(dir, `${name}.pub.pem`);
  const encryption = passphrase === undefined ? [] : ['-aes-256-cbc', '-pass', `pass:${passphrase}`];
  openssl(['genpkey', ...genpkeyArgs, ...encryption, '-out', privateKeyFile]);
  const passIn = passphrase === undefined ? [] : ['-passin', `pass:${passphrase}`];
  openssl(['pkey', '-in', privateKeyFile, ...passIn, '-pubout', '-out', publicKeyFile]);
  return {
    privateKeyFile,
    publicKeyFile,
    privatePem: readFileSync(privateKeyFile, 'utf8'),
    publicPem: readFileSync(publicKeyFile, 'utf8'),
  };
}

/** A DSA key: parameters first (`genpkey -genparam`), then the key from them. */
export function opensslDsaKey(dir: string, name: string, bits: number, qbits: number): OpensslKeyFiles {
  const paramsFile = join(dir, `${name}.params.pem`);
  openssl([
    'genpkey',
    '-genparam',
    '-algorithm',
    'DSA',
    '-pkeyopt',
    `dsa_paramgen_bits:${bits}`,
    '-pkeyopt',
    `dsa_paramgen_q_bits:${qbits}`,
    '-out',
    paramsFile,
  ]);
  return opensslKey(dir, name, ['-paramfile', paramsFile]);
}

export function writeText(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}
