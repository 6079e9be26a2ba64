/**
 * A gateway served by `serveOnBun`, for bun.test.ts (which runs on Node): the real app and hub on an
 * embedded database, with room frames on Redis so that the test can publish into the rooms as another
 * replica would. History reads of the `gated` channel wait for the test: the process prints
 * `history-reading` and `history-queried`, and goes on after each when a `go` line arrives on stdin.
 *
 *   bun api/src/server/testing/bun-gateway.ts
 *   env: REDIS_URL, ROOMS_PREFIX, WS_MAX_BUFFERED_BYTES
 *   stdout, first line: {"port","slug","channelId","gatedSlug","user":{"id","accessToken"}}
 */
import { createInterface } from 'node:readline';
import { createRoomBroadcaster } from '@streamhub/infra/realtime/rooms/factory';
import { createApp } from '../../app.ts';
import {
  broadcastingRoomPublisher,
  broadcastingVideoStatusPublisher,
  createRealtimeHub,
  websocketEndpoint,
} from '../../realtime/create-hub.ts';
import type { ChatRooms } from '../../realtime/realtime-hub.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { gatewayClient, ok } from '../../testing/gateway-client.ts';
import { createTestBackends } from '../../testing/test-deps.ts';
import { serveOnBun } from '../bun.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (line: string) => process.stdout.write(`${line}\n`);
async function waitForGo(): Promise<void> {
  const next = await lines.next();
  if (next.done || next.value !== 'go') throw new Error(`expected "go" on stdin, got ${String(next.value)}`);
}

const rooms = await createRoomBroadcaster({
  redisUrl: required('REDIS_URL'),
  prefix: required('ROOMS_PREFIX'),
});
const backends = await createTestBackends('pglite');
const deps = backends.deps(
  {
    WS_MAX_BUFFERED_BYTES: required('WS_MAX_BUFFERED_BYTES'),
    WS_MAX_CONNECTIONS_PER_IP: '100',
    RATE_LIMIT_MAX: '10000',
  },
  {},
  {
    roomPublisher: broadcastingRoomPublisher(rooms),
    videoStatusPublisher: broadcastingVideoStatusPublisher(rooms),
  },
);
const { app } = createApp(deps);
const suffix = Math.random().toString(36).slice(2, 8);
// An account owns one channel.
const createChannel = async (slug: string) => {
  const owner = await registerAndLogin(app, backends, { role: 'streamer' });
  await ok(
    gatewayClient(app, owner.authorization).api.v1.channels.$post({
      json: { slug, title: 'On Bun', category: 'talk' },
    }),
  );
  return deps.services.channels.reference(slug);
};
const open = await createChannel(`bun-${suffix}`);
const gated = await createChannel(`gated-${suffix}`);

const real = deps.services.chat;
const chat: ChatRooms = {
  room: (slug) => real.room(slug),
  post: (input) => real.post(input),
  history: async (channelId) => {
    if (channelId !== gated.id) return real.history(channelId);
    say('history-reading');
    await waitForGo();
    const history = await real.history(channelId);
    say('history-queried');
    await waitForGo();
    return history;
  },
};
const hub = createRealtimeHub(
  deps,
  { rooms, presence: backends.presence, events: backends.events },
  { chat },
);
await hub.start();
const server = await serveOnBun({
  fetch: app.fetch,
  host: '127.0.0.1',
  port: 0,
  gracePeriodMs: 1000,
  websocket: websocketEndpoint(hub, deps.config),
});
const user = await registerAndLogin(app, backends);
say(
  JSON.stringify({
    port: server.port,
    slug: open.slug,
    channelId: open.id,
    gatedSlug: gated.slug,
    user: { id: user.account.id, accessToken: user.accessToken },
  }),
);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await rooms.close();
    await backends.close();
    process.exit(0);
  })();
});
