/**
 * The Node adapter's broadcast path: a room frame is framed once and the same bytes are written to
 * every member's socket. The frame must be exactly what `ws` itself would send, and it must keep its
 * place among the frames `ws` sends on its own (answers, pings, close).
 */

import { once } from 'node:events';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { createApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import type { RunningServer } from '../server/types.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { connectWs, type TestWsClient } from '../testing/ws-client.ts';
import { textFrame, type WsInternals } from './node-websocket.ts';
import { createTestChannel, serveRealtime } from './testing/realtime-server.ts';

interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
// ws's own frame parser (exported by ws, not declared by @types/ws): the oracle for our frames.
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** Parses `bytes` as a server's frames, as a ws client would; resolves with the text messages. */
async function parseFrames(bytes: Buffer): Promise<string[]> {
  const receiver = new Receiver({ isServer: false, maxPayload: 1024 * 1024 });
  receiver.on('error', (error) => {
    throw error;
  });
  const messages: string[] = [];
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    messages.push(data.toString('utf8'));
  });
  receiver.write(bytes);
  await new Promise((resolve) => setImmediate(resolve));
  return messages;
}

describe('textFrame', () => {
  it('builds the text frame ws would send, for each length encoding', async () => {
    // 7-bit, 16-bit and 64-bit payload lengths; multi-byte characters count as bytes.
    const texts = ['{"type":"pong"}', `{"body":"${'é'.repeat(300)}"}`, 'x'.repeat(70_000)];
    for (const text of texts) {
      expect(await parseFrames(textFrame(Buffer.from(text)))).toEqual([text]);
    }
    const two = Buffer.concat([textFrame(Buffer.from('first')), textFrame(Buffer.from('second'))]);
    expect(await parseFrames(two)).toEqual(['first', 'second']);
  });
});

describe('ws internals the fast path relies on', () => {
  it('are there on a server-side socket of the pinned ws (otherwise sends fall back to ws.send)', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const address = wss.address();
    if (typeof address === 'string' || address === null) throw new Error('no port');
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${address.port}`);
    // The server may accept before the client has read the handshake answer; closing then throws.
    const opened = once(client, 'open');
    const [serverSide] = await accepted;
    await opened;
    const internals = serverSide as unknown as WsInternals;
    expect(internals._socket).toBeInstanceOf(Socket);
    expect(internals._sender?._queue).toEqual([]);
    client.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
});

describe('broadcasts over the Node adapter', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let server: RunningServer;
  let base: string;
  let slug: string;
  let user: SignedInUser;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({ WS_MAX_CONNECTIONS_PER_IP: '100', RATE_LIMIT_MAX: '10000' });
    const { app } = createApp(deps);
    ({ server, base } = await serveRealtime(app, deps, backends, { hub: { countIntervalMs: 100 } }));
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    slug = `fanout-${Math.random().toString(36).slice(2, 8)}`;
    await createTestChannel(app, owner.authorization, slug);
    user = await registerAndLogin(app, backends);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
    await backends.close();
  });

  it('delivers every room frame intact and in order to every member, between its own answers', async () => {
    const members = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const client = await connectWs(base);
        clients.push(client);
        await client.next('hello');
        client.send({ type: 'join', channel: slug, viewerId: `fanout_viewer_${i}` });
        await client.next('joined');
        return client;
      }),
    );
    const [writer] = members;
    if (!writer) throw new Error('no writer');
    writer.send({ type: 'auth', token: user.accessToken });
    await writer.next('authenticated');

    // Bodies of each length encoding the protocol allows, multi-byte text among them.
    const bodies = ['short', 'ü'.repeat(200), `${'long '.repeat(99)}end`];
    for (const [i, body] of bodies.entries()) {
      writer.send({ type: 'chat.send', channel: slug, body, nonce: `n${i}` });
      // A frame only this connection gets, sent by ws itself, between broadcasts.
      writer.send({ type: 'ping', nonce: `p${i}` });
    }
    const lastAck = await writer.next('ack', (f) => f.nonce === `n${bodies.length - 1}`);
    for (const member of members) {
      // The frames were validated against the protocol's schema on arrival (ws-client does that).
      await member.next('chat.message', (f) => f.message.id === lastAck.messageId);
      const received = member.frames.flatMap((f) => (f.type === 'chat.message' ? [f.message.body] : []));
      expect(received).toEqual(bodies);
    }
    // The writer's own answers kept their order around the broadcasts.
    const answers = writer.frames.flatMap((f) => (f.type === 'ack' || f.type === 'pong' ? [f.nonce] : []));
    expect(answers).toEqual(['n0', 'p0', 'n1', 'p1', 'n2', 'p2']);
  });
});
