/** A real WebSocket client for tests of `/ws`: sends client frames, waits for server frames. */
import { once } from 'node:events';
import { type ClientFrame, type ServerFrame, ServerFrameSchema } from '@streamhub/contracts/realtime';
import { WebSocket } from 'ws';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

export interface TestWsClient {
  readonly socket: WebSocket;
  /** Every frame received so far, validated against the protocol's schema. */
  readonly frames: ServerFrame[];
  send(frame: ClientFrame): void;
  /** Sends raw text or bytes, for malformed-frame tests. */
  sendRaw(data: string | Buffer): void;
  /** The first frame (received after `since`, an index into `frames`) of `type` that matches. */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (frame: FrameOf<T>) => boolean,
    options?: { timeoutMs?: number; since?: number },
  ): Promise<FrameOf<T>>;
  close(): Promise<void>;
}

export async function connectWs(baseUrl: string): Promise<TestWsClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`);
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(ServerFrameSchema.parse(JSON.parse(String(data))));
    for (const wake of waiters) wake();
  });
  await once(socket, 'open');

  const next: TestWsClient['next'] = (type, match = () => true, options = {}) => {
    const { timeoutMs = 5000, since = 0 } = options;
    type Wanted = FrameOf<typeof type>;
    const find = () => frames.slice(since).find((f): f is Wanted => f.type === type && match(f as Wanted));
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(since))}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  };

  return {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data) => socket.send(data),
    next,
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
