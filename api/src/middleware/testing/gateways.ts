/** A real gateway on Node or on Bun, for tests of what the runtimes' HTTP servers do. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createApp } from '../../app.ts';
import { serveOnNode } from '../../server/node.ts';
import { createTestBackends } from '../../testing/test-deps.ts';

const DEADLINE_MS = 5000;

export interface Gateway {
  port: number;
  stop(): Promise<void>;
}

/** The real app on an embedded database, served by `serveOnNode` in this process. */
export async function gatewayOnNode(env: Record<string, string> = {}): Promise<Gateway> {
  const backends = await createTestBackends('pglite');
  const { app } = createApp(backends.deps(env));
  const server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
  return {
    port: server.port,
    stop: async () => {
      await server.close();
      await backends.close();
    },
  };
}

/** The same app served by `serveOnBun`, in a Bun child process (tests run on Node). */
export async function gatewayOnBun(env: Record<string, string> = {}): Promise<Gateway> {
  const child: ChildProcess = spawn('bun', [join(import.meta.dirname, 'gateway-on-bun.ts')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GATEWAY_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (!child.stdout) throw new Error('no stdout');
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  if (first.done) throw new Error(`the Bun gateway exited with ${child.exitCode}`);
  const { port } = JSON.parse(first.value) as { port: number };
  return {
    port,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Everything a raw connection received until the server closed it, and how it ended. */
export interface RawOutcome {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** Bytes after the first response: a second response would be a connection kept alive. */
  trailing: string;
  error: string | undefined;
}

/** Sends `send`'s bytes on a fresh connection and reads until the server closes it. */
export async function rawExchange(port: number, send: (socket: Socket) => void): Promise<RawOutcome> {
  const socket = connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  let error: string | undefined;
  socket.on('data', (data) => {
    received = Buffer.concat([received, data]);
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
  });
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  send(socket);
  const timer = setTimeout(
    () => socket.destroy(new Error(`not closed within ${DEADLINE_MS} ms`)),
    DEADLINE_MS,
  );
  await closed;
  clearTimeout(timer);
  const text = received.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const headers = new Map(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const length = Number(headers.get('content-length') ?? 0);
  const rest = text.slice(headEnd + 4);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: rest.slice(0, length),
    trailing: rest.slice(length),
    error,
  };
}
