/**
 * WS_MAX_BUFFERED_BYTES holds for every frame a socket is sent, not only room broadcasts: a raw client
 * that never reads and keeps re-joining a room with a full history (each `joined` frame tens of KB) is
 * cut with 4001 once its unsent bytes pass the limit, instead of making the server queue without end.
 * On Node (ws, in this process) and on Bun (native websockets, a child process).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { rawWebSocket } from './testing/realtime-server.ts';
import { type SlowReaderGateway, startSlowReaderGateway } from './testing/slow-reader-gateway.ts';

const MAX_BUFFERED_BYTES = 256 * 1024;

interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
// ws's own frame parser (exported by ws, not declared by @types/ws) reads what the server sent.
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** One masked text frame, as a browser sends it (RFC 6455 §5.2). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([header, mask, masked]);
}

/** A raw TCP client past the WebSocket handshake, paused: it never reads what the server sends. */
async function nonReadingClient(port: number): Promise<Socket> {
  const socket = await rawWebSocket(port);
  socket.pause();
  return socket;
}

/** Reads everything the server sent, resuming the socket, and resolves with the close frame's code. */
function closeCodeOf(socket: Socket): Promise<number> {
  const receiver = new Receiver({ isServer: false, maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    receiver.on('conclude', (code) => resolve(code));
    receiver.on('error', reject);
    receiver.on('message', () => {});
    socket.on('data', (chunk: Buffer) => receiver.write(chunk));
    socket.on('close', () => reject(new Error('closed without a close frame')));
    socket.resume();
  });
}

/** The same gateway on Bun: a child process driven over stdin/stdout. */
async function startOnBun(maxBufferedBytes: number): Promise<SlowReaderGateway> {
  const child = spawn('bun', [join(import.meta.dirname, 'testing', 'slow-reader-gateway.ts')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WS_MAX_BUFFERED_BYTES: String(maxBufferedBytes),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (!child.stdout || !child.stdin) throw new Error('no stdio');
  const stdin = child.stdin;
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the Bun gateway exited with ${child.exitCode}`);
  const { port, slug } = JSON.parse(first.value) as { port: number; slug: string };
  let count = 1;
  return {
    port,
    slug,
    // Asked after each burst; the answer lags one burst behind, which only delays the loop's end.
    connectionCount: () => {
      stdin.write('count\n');
      void lines.next().then((line) => {
        if (!line.done) count = Number(line.value);
      });
      return count;
    },
    close: async () => {
      const exited = once(child, 'exit');
      stdin.end();
      await exited;
    },
  };
}

describe.each([
  ['Node', (max: number) => startSlowReaderGateway(max)],
  ['Bun', startOnBun],
] as const)('/ws slow-client limit on %s', (_runtime, start) => {
  let gateway: SlowReaderGateway;

  beforeAll(async () => {
    gateway = await start(MAX_BUFFERED_BYTES);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('cuts (4001) a client that never reads and re-joins a room with history without pause', async () => {
    const socket = await nonReadingClient(gateway.port);
    const join = maskedTextFrame(JSON.stringify({ type: 'join', channel: gateway.slug }));
    const ping = maskedTextFrame(JSON.stringify({ type: 'ping', nonce: 'still-there' }));
    // Without the limit on answers this goes on until the deadline with the server queueing all of it.
    const deadline = Date.now() + 20_000;
    let joins = 0;
    while (gateway.connectionCount() > 0 && Date.now() < deadline) {
      // A burst past the 16 frames a connection may have pending also earns rate_limited errors and pongs.
      for (let i = 0; i < 20; i++) socket.write(i % 4 === 3 ? ping : join);
      joins += 15;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(gateway.connectionCount()).toBe(0);
    // The joins' frames alone (about 30 KB each) passed the limit: the answers were what filled it.
    expect(joins * 30_000).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(await closeCodeOf(socket)).toBe(4001);
    socket.destroy();
  }, 30_000);
});
