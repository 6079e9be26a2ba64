/**
 * A gateway with a channel whose chat history is full of the longest messages, for slow-reader.test.ts:
 * in-process on Node, or as a child process on Bun (`bun api/src/realtime/testing/slow-reader-gateway.ts`,
 * env WS_MAX_BUFFERED_BYTES). The child prints `{"port","slug"}` first, then answers each `count` line
 * on stdin with the hub's number of open connections.
 */
import { createInterface } from 'node:readline';
import { CHAT_HISTORY_SIZE, CHAT_MESSAGE_MAX } from '@streamhub/contracts/realtime';
import { createApp } from '../../app.ts';
import { ChatRepository } from '../../domains/chat/chat.repository.ts';
import { serveOnBun } from '../../server/bun.ts';
import { serveOnNode } from '../../server/node.ts';
import type { RunningServer, ServeOptions } from '../../server/types.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends } from '../../testing/test-deps.ts';
import { createTestChannel, serveRealtime } from './realtime-server.ts';

export interface SlowReaderGateway {
  port: number;
  slug: string;
  connectionCount(): number;
  close(): Promise<void>;
}

export async function startSlowReaderGateway(
  maxBufferedBytes: number,
  serve: (options: ServeOptions) => Promise<RunningServer> = serveOnNode,
): Promise<SlowReaderGateway> {
  const backends = await createTestBackends('pglite');
  const deps = backends.deps({
    WS_MAX_BUFFERED_BYTES: String(maxBufferedBytes),
    WS_MAX_CONNECTIONS_PER_IP: '100',
    RATE_LIMIT_MAX: '10000',
  });
  const { app } = createApp(deps);
  // No viewer-count broadcasts: only the client's own answers can fill its buffer.
  const { hub, server } = await serveRealtime(app, deps, backends, {
    hub: { countIntervalMs: 10 * 60_000 },
    serve,
  });
  const owner = await registerAndLogin(app, backends, { role: 'streamer' });
  const slug = `history-${Math.random().toString(36).slice(2, 8)}`;
  await createTestChannel(app, owner.authorization, slug);
  // Every `joined` frame carries the whole history: about 30 KB.
  const channel = await deps.services.channels.reference(slug);
  const chat = new ChatRepository(backends.database.db);
  for (let i = 0; i < CHAT_HISTORY_SIZE; i++) {
    await chat.insertMessage({
      channelId: channel.id,
      authorId: owner.account.id,
      body: `${i} ${'x'.repeat(CHAT_MESSAGE_MAX - 4)}`,
    });
  }
  return {
    port: server.port,
    slug,
    connectionCount: () => hub.connectionCount,
    close: async () => {
      await server.close();
      await backends.close();
    },
  };
}

if (import.meta.main) {
  const gateway = await startSlowReaderGateway(Number(process.env.WS_MAX_BUFFERED_BYTES), serveOnBun);
  process.stdout.write(`${JSON.stringify({ port: gateway.port, slug: gateway.slug })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'count') process.stdout.write(`${gateway.connectionCount()}\n`);
  }
  await gateway.close();
  process.exit(0);
}
