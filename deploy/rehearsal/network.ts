/**
 * The rehearsal's network: one Linux network namespace per role ("host"), each with its own address on a
 * private bridge through a veth pair, so that roles reach each other only over IP as separate machines
 * would. Needs root (`ip netns`, `ip link`). Also the host side's TCP forwarders, through which the
 * namespaces reach the machine's PostgreSQL and Redis (they listen on 127.0.0.1 only).
 */
import { execFile } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface RehearsalNetwork {
  /** The bridge's address: the machine itself ("the database host"), where the forwarders listen. */
  hostAddress: string;
  /** Creates namespace `<id>-<role>` with address `10.x.y.<octet>`; returns the namespace name and address. */
  addHost(role: string, octet: number): Promise<{ namespace: string; address: string }>;
  /** Deletes every namespace, veth pair and the bridge. Never throws. */
  destroy(): Promise<string[]>;
}

const ip = (args: string[]) => exec('ip', args);

/** Whether this process may make network namespaces (root with iproute2); the reason when not. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const probe = `shrh-probe-${process.pid}`;
  try {
    await ip(['netns', 'add', probe]);
    await ip(['netns', 'del', probe]);
    return undefined;
  } catch (error) {
    return `ip netns add failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Makes the bridge `shrh<n>` with address 10.<a>.<b>.1/24 (a random /24 in 10.0.0.0/8, so that two
 * rehearsals at once do not collide). Removed by `destroy`; a run killed before it leaves `shrh<n>` links
 * and `shrh<n>-*` namespaces behind (`ip netns del`, `ip link del` remove them).
 */
export async function createRehearsalNetwork(): Promise<RehearsalNetwork> {
  const n = 1 + Math.floor(Math.random() * 9000);
  const [a, b] = [200 + (Math.floor(n / 250) % 50), n % 250];
  const subnet = `10.${a}.${b}`;
  const bridge = `shrh${n}`;
  const namespaces: string[] = [];
  const links: string[] = [bridge];
  await ip(['link', 'add', bridge, 'type', 'bridge']);
  const network: RehearsalNetwork = {
    hostAddress: `${subnet}.1`,
    async addHost(role, octet) {
      const namespace = `${bridge}-${role}`;
      const veth = `${bridge}v${octet}`;
      const peer = `${bridge}p${octet}`;
      const address = `${subnet}.${octet}`;
      await ip(['netns', 'add', namespace]);
      namespaces.push(namespace);
      await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', peer]);
      links.push(veth);
      await ip(['link', 'set', peer, 'netns', namespace]);
      await ip(['link', 'set', veth, 'master', bridge]);
      await ip(['link', 'set', veth, 'up']);
      await ip(['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', peer]);
      await ip(['-n', namespace, 'link', 'set', peer, 'up']);
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      return { namespace, address };
    },
    async destroy() {
      const problems: string[] = [];
      for (const namespace of namespaces.splice(0)) {
        await ip(['netns', 'del', namespace]).catch((error: unknown) => problems.push(String(error)));
      }
      // Deleting a namespace deletes its end of each veth pair, and with it the pair.
      for (const link of links.splice(0).reverse()) {
        await ip(['link', 'del', link]).catch(() => undefined);
      }
      return problems;
    },
  };
  try {
    await ip(['addr', 'add', `${network.hostAddress}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
  } catch (error) {
    await network.destroy();
    throw error;
  }
  return network;
}

export interface TcpForwarder {
  close(): Promise<void>;
}

/** Listens on `listen` (host:port) and pipes each connection to `target` (host:port). */
export async function forwardTcp(listen: string, target: string): Promise<TcpForwarder> {
  const [listenHost, listenPort] = hostPort(listen);
  const [targetHost, targetPort] = hostPort(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function hostPort(value: string): [string, number] {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`expected host:port, got ${value}`);
  return [value.slice(0, at), port];
}
