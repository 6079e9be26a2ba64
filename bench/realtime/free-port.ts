/** A loopback port that was free a moment ago (the gateway's config needs a fixed PORT, not 0). */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { BENCH_HOST } from './protocol.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, BENCH_HOST);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}
