/**
 * `po keygen`: makes a key pair and writes NAME.key.pem (PKCS#8, mode 0600) and NAME.pub.pem (SPKI).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { InputError } from '../../shared/errors.js';
import { DSA_DEFAULT_BITS, KEY_ALGORITHMS, RSA_BITS, exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import type { KeyAlgorithm } from '../../shared/keys.js';
import { ensureKeyDirectory, readNewPassphraseFile, writeNewFile } from '../io.js';
import { runAction } from '../output.js';
import { withProgress } from '../progress.js';
import { exportPrivateKeyPem, generateKeyPair, keygenParameters } from '../../shared/keygen.js';

interface KeygenOptions {
  alg: KeyAlgorithm;
  bits?: string;
  out: string;
  name?: string;
  passphraseFile?: string;
  force?: boolean;
  json?: boolean;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function parseBits(alg: KeyAlgorithm, bits: string | undefined): number | undefined {
  if (bits === undefined) return undefined;
  if (alg !== 'rsa' && alg !== 'dsa')
    throw new InputError('usage', `--bits applies to rsa and dsa keys only, not ${alg}`);
  if (!/^\d{1,5}$/.test(bits))
    throw new InputError('usage', `--bits must be a whole number, got "${bits.slice(0, 20)}"`);
  return Number(bits);
}

/** Registers `po keygen`. */
export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('generate a key pair: a signing key for orders, or an X25519 server key')
    .addOption(new Option('--alg <alg>', 'key algorithm').choices(KEY_ALGORITHMS).makeOptionMandatory())
    .option(
      '--bits <n>',
      `rsa: ${RSA_BITS.min}–${RSA_BITS.max} (default ${RSA_BITS.default}); dsa: 2048 or 3072 (default ${DSA_DEFAULT_BITS})`,
    )
    .requiredOption('--out <dir>', 'directory for the key files (created 0700 if missing)')
    .option('--name <name>', 'file name stem: NAME.key.pem and NAME.pub.pem (default: the algorithm)')
    .option('--passphrase-file <file>', `encrypt the private key with the passphrase in this file (≥ 8 characters)`)
    .option('--force', 'replace existing key files of the same name')
    .addHelpText(
      'after',
      `
Prints the key ID (the SPKI SHA-256 fingerprint, base64url) on stdout; messages go to stderr. With the global --json,
prints {kid, algorithm, bits, signatureAlg, privateKeyFile, publicKeyFile}.
Signing keys: rsa → PS256, dsa → DS256, ecdsa (P-256) → ES256, ed25519 → EdDSA. x25519 keys are server keys.

Examples:
  po keygen --alg ed25519 --out keys --name alice
  po keygen --alg dsa --bits 3072 --out keys --passphrase-file secret.txt`,
    )
    .action((ownOptions: KeygenOptions, command: Command) => {
      // --json is the program's global option.
      const options = { ...ownOptions, json: command.optsWithGlobals<{ json?: boolean }>().json === true };
      return runAction(options.json ? 'json' : 'line', async () => {
        const bits = parseBits(options.alg, options.bits);
        const name = options.name ?? options.alg;
        if (!NAME_PATTERN.test(name))
          throw new InputError('usage', '--name must be 1–64 characters of A–Z a–z 0–9 . _ - (no path)');
        const passphrase =
          options.passphraseFile === undefined ? undefined : await readNewPassphraseFile(options.passphraseFile);
        const parameters = keygenParameters(options.alg, bits);
        const slow = parameters.type === 'rsa' || parameters.type === 'dsa';
        const pair = await withProgress(slow ? `generating ${parameters.label} key` : undefined, () =>
          generateKeyPair(parameters),
        );

        await ensureKeyDirectory(options.out);
        const privateKeyFile = join(options.out, `${name}.key.pem`);
        const publicKeyFile = join(options.out, `${name}.pub.pem`);
        await writeNewFile(
          privateKeyFile,
          exportPrivateKeyPem(pair.privateKey, passphrase),
          0o600,
          options.force === true,
        );
        await writeNewFile(publicKeyFile, exportPublicKeyPem(pair.publicKey), 0o644, options.force === true);
        const kid = spkiFingerprint(pair.publicKey);

        if (options.json) {
          const { algorithm, bits: keyBits, signatureAlg } = pair.info;
          process.stdout.write(
            `${JSON.stringify({ kid, algorithm, bits: keyBits, signatureAlg: signatureAlg ?? null, privateKeyFile, publicKeyFile })}\n`,
          );
          return;
        }
        process.stderr.write(
          `wrote ${privateKeyFile} (private key${passphrase === undefined ? '' : ', encrypted'}, mode 0600)\n` +
            `wrote ${publicKeyFile} (public key)\n`,
        );
        process.stdout.write(`${kid}\n`);
      });
    });
}
