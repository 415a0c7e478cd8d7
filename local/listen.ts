/** Starting a local server on 127.0.0.1 (port 0 = any free port) and learning its URL. */
import type { Server } from 'node:http';

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
