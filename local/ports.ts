/**
 * Ports on 127.0.0.1 for the local stack's servers: starting a server on one (0 = any free port), waiting for a
 * server that starts itself, checking that a chosen port is free before anything starts, and picking a free one.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { portInUse } from './errors.js';

/** Starts `server` on 127.0.0.1:`port` (0 = any free port) and returns its URL; `what` names it in the error. */
export async function listenOnLoopback(
  server: Server,
  port: number,
  what: string,
): Promise<{ server: Server; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`${what}: no address`);
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * The port of a server that was told to listen on `port` by someone else (the SES emulator starts its own), once it
 * listens.
 * @throws LocalStackError if the port is taken
 */
export function listeningPort(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? portInUse(port, 'stop whatever uses it or choose another port (--api-port, --inbox-port)')
          : error,
      ),
    );
    const address = server.address();
    if (address && typeof address !== 'string') return resolve(address.port);
    server.once('listening', () => {
      const bound = server.address();
      resolve(bound && typeof bound !== 'string' ? bound.port : port);
    });
  });
}

/** @throws LocalStackError if something already listens on 127.0.0.1:`port` (checked before anything starts). */
export async function ensurePortFree(port: number, option: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? portInUse(port, `stop whatever uses it, or choose another port with ${option}`)
          : error,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** A port that is free on 127.0.0.1 now (for a process that takes a port number, not a socket: DynamoDB Local). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return address && typeof address !== 'string' ? address.port : 0;
}

/** Closes `server`; resolves when Node reports it closed (an error, such as a server that was not running, is ignored). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
