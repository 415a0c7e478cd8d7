/**
 * The local inbox (the SES emulator's web page and `GET /store`) kept across restarts: the emulator holds its emails
 * in memory only, so every email it stores is also written to a file under the data directory (write to a temporary
 * file, then rename: a crash leaves the old file or the new one, never half of one), and the file is read back at the
 * next start. Without a data directory (`--in-memory`) nothing is kept. The emulator itself is started here too.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import sesModule from 'aws-ses-v2-local';

// aws-ses-v2-local is CommonJS with `exports.default`: depending on the loader the function is one level deeper.
const sesLocal = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;

/**
 * Starts the SES emulator (the inbox's web page, `GET /store` and the SES API) on 127.0.0.1:`port`. It listens by
 * itself; local/ports.ts listeningPort waits for it and reports a taken port.
 */
export function startSesEmulator(port: number): Promise<Server> {
  return sesLocal({ host: '127.0.0.1', port });
}

interface EmulatorStore {
  saveEmail: (email: unknown) => void;
  clearStore: () => void;
  getStoreReadonly: () => { emails: unknown[] };
}

// The emulator's store module, as its own code calls it (a CommonJS exports object, looked up at each call).
const store = createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as EmulatorStore;
const original = { saveEmail: store.saveEmail, clearStore: store.clearStore };

function write(file: string): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ emails: store.getStoreReadonly().emails }), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * Loads the emails kept in `file` into the emulator, then keeps the file in step with every email stored (and with
 * the inbox's "clear"). Returns how many emails were loaded.
 */
export function keepInbox(file: string): number {
  original.clearStore();
  let loaded: unknown[] = [];
  if (existsSync(file)) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as { emails?: unknown };
      if (Array.isArray(kept.emails)) loaded = kept.emails;
    } catch {
      // An unreadable inbox file is kept aside, never silently overwritten.
      renameSync(file, `${file}.unreadable-${Date.now()}`);
    }
  }
  // The emulator's saveEmail also forwards to SMTP when configured; restoring must not send anything again.
  store.getStoreReadonly().emails.push(...loaded);
  store.saveEmail = (email) => {
    original.saveEmail(email);
    write(file);
  };
  store.clearStore = () => {
    original.clearStore();
    write(file);
  };
  return loaded.length;
}

/** Stops keeping the inbox (the emulator stores in memory only again). */
export function releaseInbox(): void {
  store.saveEmail = original.saveEmail;
  store.clearStore = original.clearStore;
}
