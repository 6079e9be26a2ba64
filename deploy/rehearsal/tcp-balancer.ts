/**
 * A TCP load balancer for the rehearsal, run in its own namespace: each `--listen` spreads connections
 * over its backends and, when one refuses or does not answer within a second, tries the next, as nginx's
 * stream proxy or HAProxy in `mode tcp` would. `rr` rotates (gateways); `source` starts from the
 * backend the client's address picks, so a reconnect returns to the same node while it is up (RTMP).
 *
 *   node --import tsx tcp-balancer.ts --listen 0.0.0.0:3000=rr=10.0.0.11:3000,10.0.0.12:3000 …
 */
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { hostPort } from './network.ts';

interface Listener {
  listen: [string, number];
  policy: 'rr' | 'source';
  backends: [string, number][];
}

function parseListener(spec: string): Listener {
  const [listen, policy, backends] = spec.split('=');
  if (!listen || (policy !== 'rr' && policy !== 'source') || !backends) {
    throw new Error(`--listen wants <host:port>=<rr|source>=<host:port>,…; got ${spec}`);
  }
  return { listen: hostPort(listen), policy, backends: backends.split(',').map(hostPort) };
}

/** Connects to the first backend of `order` that accepts within a second. */
function connectFirst(order: [string, number][]): Promise<Socket | undefined> {
  const [next, ...rest] = order;
  if (!next) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = createConnection({ host: next[0], port: next[1] });
    const fail = () => {
      socket.destroy();
      resolve(connectFirst(rest));
    };
    socket.setTimeout(1000, fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      resolve(socket);
    });
  });
}

function serve({ listen, policy, backends }: Listener): void {
  let turn = 0;
  const server = createServer((client) => {
    client.pause();
    const first =
      policy === 'rr'
        ? turn++ % backends.length
        : createHash('sha1')
            .update(client.remoteAddress ?? '')
            .digest()
            .readUInt32BE(0) % backends.length;
    const order = [...backends.slice(first), ...backends.slice(0, first)];
    client.on('error', () => client.destroy());
    void connectFirst(order).then((upstream) => {
      if (!upstream) return client.destroy();
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  });
  server.listen(listen[1], listen[0], () => {
    process.stdout.write(`${JSON.stringify({ msg: 'balancing', listen: listen.join(':'), policy })}\n`);
  });
}

const { values } = parseArgs({ options: { listen: { type: 'string', multiple: true } } });
for (const spec of values.listen ?? []) serve(parseListener(spec));
