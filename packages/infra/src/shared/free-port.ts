/**
 * A loopback port that was free a moment ago, for servers that need a fixed port up front (a child
 * process's PORT, an RTMP URL handed to ffmpeg) rather than binding 0 themselves.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || !address) throw new Error(`no free port on ${host}`);
  return address.port;
}
