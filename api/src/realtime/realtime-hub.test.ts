/**
 * `/ws` on a real Node server with real WebSocket clients, on the in-process backends (the
 * two-replica behaviour over Redis is in cli/src/commands/realtime.e2e.test.ts).
 */
import { once } from 'node:events';
import { WS_FRAME_MAX_BYTES } from '@streamhub/contracts/realtime';
import { liveSessions } from '@streamhub/db/schema/channels';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { uploadedVideo } from '../domains/videos/videos-test-kit.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import type { TestBackends } from '../testing/test-deps.ts';
import type { TestWsClient } from '../testing/ws-client.ts';
import type { ChatRooms } from './realtime-hub.ts';
import { expectEachMessageOnce } from './testing/join-order.ts';
import { type RealtimeRoom, startRealtimeRoom } from './testing/realtime-room.ts';
import { rawWebSocket, serveRealtime } from './testing/realtime-server.ts';

let room: RealtimeRoom;
let backends: TestBackends;
let deps: GatewayDeps;
let app: GatewayApp;
let base: string;
let owner: SignedInUser;
let slug: string;

const connect = () => room.connect();

const joined = async (client: TestWsClient, viewerId?: string) => {
  client.send({ type: 'join', channel: slug, ...(viewerId ? { viewerId } : {}) });
  return client.next('joined');
};

const signIn = async (client: TestWsClient, user: SignedInUser) => {
  client.send({ type: 'auth', token: user.accessToken });
  return client.next('authenticated');
};

beforeAll(async () => {
  room = await startRealtimeRoom({
    env: {
      WS_MAX_CONNECTIONS_PER_IP: '8',
      WS_MAX_BUFFERED_BYTES: String(64 * 1024),
      RATE_LIMIT_MAX: '10000',
    },
    slugPrefix: 'room',
    hub: { countIntervalMs: 100 },
  });
  ({ backends, deps, app, base, owner, slug } = room);
});

afterEach(() => room.closeClients());

afterAll(() => room.close());

describe('/ws chat', () => {
  it('lets anyone read, only signed-in users post, and delivers to every member in order', async () => {
    const reader = await connect();
    const writer = await connect();
    await joined(reader);
    expect((await joined(writer)).settings).toEqual({
      slowModeSeconds: 0,
      followersOnly: false,
      subscribersOnly: false,
    });

    writer.send({ type: 'chat.send', channel: slug, body: 'hi', nonce: 'a1' });
    expect(await writer.next('error', (f) => f.nonce === 'a1')).toMatchObject({ code: 'unauthorized' });

    const user = await registerAndLogin(app, backends);
    expect((await signIn(writer, user)).user.username).toBe(user.account.username);
    for (const body of ['one', 'two', 'three']) writer.send({ type: 'chat.send', channel: slug, body });
    writer.send({ type: 'chat.send', channel: slug, body: 'four', nonce: 'n4' });
    const ack = await writer.next('ack', (f) => f.nonce === 'n4');

    const last = await reader.next('chat.message', (f) => f.message.id === ack.messageId);
    expect(last.message).toMatchObject({ body: 'four', author: { username: user.account.username } });
    const bodies = reader.frames.flatMap((f) => (f.type === 'chat.message' ? [f.message.body] : []));
    expect(bodies).toEqual(['one', 'two', 'three', 'four']);

    // A newcomer gets the history, oldest first.
    const late = await connect();
    expect((await joined(late)).history.map((m) => m.body).slice(-4)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
  });

  it('answers malformed, invalid and oversized frames with an error frame and keeps serving', async () => {
    const client = await connect();
    client.sendRaw('not json');
    expect(await client.next('error')).toMatchObject({ code: 'malformed_frame' });
    client.sendRaw(JSON.stringify({ type: 'dance', nonce: 'x' }));
    expect(await client.next('error', (f) => f.nonce === 'x')).toMatchObject({ code: 'malformed_frame' });
    client.sendRaw(JSON.stringify({ type: 'join', channel: 'NOT A SLUG', nonce: 'y' }));
    expect(await client.next('error', (f) => f.nonce === 'y')).toMatchObject({ code: 'invalid_frame' });
    client.sendRaw(JSON.stringify({ type: 'ping', nonce: 'z', pad: 'x'.repeat(WS_FRAME_MAX_BYTES) }));
    expect(await client.next('error', (f) => f.code === 'frame_too_large')).toBeDefined();
    client.send({ type: 'join', channel: 'no-such-channel' });
    expect(await client.next('error', (f) => f.code === 'channel_not_found')).toBeDefined();
    client.send({ type: 'chat.send', channel: slug, body: 'not joined' });
    expect(await client.next('error', (f) => f.code === 'unauthorized')).toBeDefined();

    client.send({ type: 'ping', nonce: 'still-there' });
    expect(await client.next('pong', (f) => f.nonce === 'still-there')).toBeDefined();

    // Past the transport's limit the connection is closed (1009); the server itself carries on.
    const huge = await connect();
    const closed = once(huge.socket, 'close');
    huge.sendRaw('x'.repeat(70 * 1024));
    expect((await closed)[0]).toBe(1009);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await joined(await connect());
  });

  it('refuses an invalid token and keeps the connection anonymous', async () => {
    const client = await connect();
    client.send({ type: 'auth', token: 'a.b.c' });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_token' });
    await joined(client);
  });

  it('tells the room when the channel goes live and offline', async () => {
    const client = await connect();
    await joined(client);
    const channel = await deps.services.channels.reference(slug);
    const now = new Date().toISOString();
    const session = { sessionId: crypto.randomUUID(), channelId: channel.id, playbackId: 'p1', slug };
    await backends.events.publish('stream.started', {
      ...session,
      ownerId: owner.account.id,
      record: false,
      startedAt: now,
    });
    expect(await client.next('stream.status')).toEqual({ type: 'stream.status', channel: slug, live: true });
    const since = client.frames.length;
    await backends.events.publish('stream.ended', {
      ...session,
      recorded: false,
      startedAt: now,
      endedAt: now,
    });
    expect(await client.next('stream.status', undefined, { since })).toMatchObject({ live: false });
  });
});

/** A promise with its resolve, to hold a step of a port until the test lets it go. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('/ws join while the room is busy', () => {
  it('loses no message posted during a slow history read and shows each message once', async () => {
    // A second replica on the same backends whose history read waits for the test twice: before it
    // queries the database (a message posted then is both in the history and broadcast) and after (a
    // message posted then is only broadcast).
    const reading = gate();
    const beforeQuery = gate();
    const queried = gate();
    const afterQuery = gate();
    const real = deps.services.chat;
    const slowChat: ChatRooms = {
      room: (roomSlug) => real.room(roomSlug),
      post: (input) => real.post(input),
      history: async (channelId) => {
        reading.open();
        await beforeQuery.opened;
        const history = await real.history(channelId);
        queried.open();
        await afterQuery.opened;
        return history;
      },
    };
    const slow = await serveRealtime(app, deps, backends, { hub: { chat: slowChat } });
    try {
      const writer = await connect();
      await joined(writer);
      await signIn(writer, await registerAndLogin(app, backends));
      const post = async (body: string) => {
        writer.send({ type: 'chat.send', channel: slug, body, nonce: body });
        const { messageId } = await writer.next('ack', (f) => f.nonce === body);
        // The writer's replica shares the broadcaster: once the writer has it, so has the joiner's hub.
        await writer.next('chat.message', (f) => f.message.id === messageId);
        return messageId;
      };
      const earlier = await post('before the join');

      const joiner = await room.connect(slow.base);
      joiner.send({ type: 'join', channel: slug });
      await reading.opened;
      const inBoth = await post('during the join, before the query');
      beforeQuery.open();
      await queried.opened;
      const liveOnly = await post('during the join, after the query');
      afterQuery.open();
      const after = await post('after the join');

      await expectEachMessageOnce(joiner, { inHistory: [earlier, inBoth], live: [liveOnly, after] });
    } finally {
      await slow.server.close();
    }
  });
});

describe('/ws video processing updates', () => {
  it("pushes a video's progress to its owner's connections only", async () => {
    const creator = await registerAndLogin(app, backends);
    const [ownerTab, ownerOtherTab, stranger] = [await connect(), await connect(), await connect()];
    await signIn(ownerTab, creator);
    await signIn(ownerOtherTab, creator);
    await signIn(stranger, await registerAndLogin(app, backends));
    const videoId = await uploadedVideo(backends, creator);

    await deps.services.videos.begin(videoId);
    await deps.services.videos.progress(videoId, 40);
    for (const tab of [ownerTab, ownerOtherTab]) {
      expect(await tab.next('video.status', (f) => f.progress === 40)).toEqual({
        type: 'video.status',
        videoId,
        status: 'processing',
        progress: 40,
        failureReason: null,
      });
    }
    await deps.services.videos.failed(videoId, 'The file could not be decoded');
    expect(await ownerTab.next('video.status', (f) => f.status === 'failed')).toMatchObject({
      failureReason: 'The file could not be decoded',
    });
    stranger.send({ type: 'ping', nonce: 'last' });
    await stranger.next('pong', (f) => f.nonce === 'last');
    expect(stranger.frames.filter((f) => f.type === 'video.status')).toEqual([]);
  });
});

describe('/ws viewer counts', () => {
  it('counts a viewer with several tabs once, adds heartbeats, and drops viewers that leave', async () => {
    const [tab1, tab2, other] = [await connect(), await connect(), await connect()];
    await joined(tab1, 'viewer-aaaaaaaa');
    await joined(tab2, 'viewer-aaaaaaaa');
    await joined(other, 'viewer-bbbbbbbb');
    expect(await tab1.next('viewers', (f) => f.count === 2)).toBeDefined();

    const heartbeat = await app.request(`/api/v1/channels/${slug}/viewers/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ viewerId: 'player-cccccccc' }),
    });
    expect(await heartbeat.json()).toEqual({ channel: slug, viewerCount: 3 });
    // The player of a chat viewer counts as that viewer.
    await app.request(`/api/v1/channels/${slug}/viewers/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ viewerId: 'viewer-bbbbbbbb' }),
    });
    expect(await (await app.request(`/api/v1/channels/${slug}/viewers`)).json()).toEqual({
      channel: slug,
      viewerCount: 3,
    });
    expect(await tab1.next('viewers', (f) => f.count === 3)).toBeDefined();

    const since = tab1.frames.length;
    await tab2.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One tab of the viewer is still open: no change, so no frame.
    expect(tab1.frames.slice(since).filter((f) => f.type === 'viewers')).toEqual([]);
  });

  it('stores the peak count on the live session', async () => {
    const keyResponse = await app.request(`/api/v1/channels/${slug}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: owner.authorization },
      body: JSON.stringify({ name: 'OBS' }),
    });
    const { secret } = (await keyResponse.json()) as { secret: string };
    const publish = await deps.services.channels.authorizePublish(secret);
    if (!publish.ok) throw new Error(publish.reason);
    const viewers = [await connect(), await connect(), await connect()];
    for (const [i, viewer] of viewers.entries()) await joined(viewer, `peak-viewer-${i}`);
    await viewers[0]?.next('viewers', (f) => f.count >= 3);
    const peakOf = async () =>
      (
        await backends.database.db
          .select({ peak: liveSessions.peakViewers })
          .from(liveSessions)
          .where(eq(liveSessions.id, publish.sessionId))
      )[0]?.peak;
    await expect.poll(peakOf).toBeGreaterThanOrEqual(3);
    await viewers[1]?.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A lower count never lowers the peak.
    expect(await peakOf()).toBeGreaterThanOrEqual(3);
    await deps.services.channels.endSession(publish.sessionId, { recorded: false });
  });

  it('validates the heartbeat and answers 404 for an unknown channel', async () => {
    const bad = await app.request(`/api/v1/channels/${slug}/viewers/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ viewerId: 'x' }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'body.viewerId' }],
    });
    expect((await app.request('/api/v1/channels/nobody-here/viewers')).status).toBe(404);
  });
});

describe('/ws robustness', () => {
  it('limits connections per address', async () => {
    for (let i = 0; i < 8; i++) await connect();
    const refused = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    const frames: string[] = [];
    refused.on('message', (data) => frames.push(String(data)));
    const [code] = (await once(refused, 'close')) as [number];
    expect(code).toBe(1008);
    expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({ type: 'error', code: 'rate_limited' });
  });

  it('drops a connection that stops answering pings', async () => {
    // A second replica on the same backends, pinging every 300 ms.
    const pinging = await serveRealtime(app, deps, backends, { endpoint: { pingIntervalMs: 300 } });
    // A raw socket completes the handshake and then stays silent: no pongs, as after a lost network.
    const socket = await rawWebSocket(pinging.server.port);
    expect(pinging.hub.connectionCount).toBe(1);
    const started = Date.now();
    await once(socket, 'close');
    // The first ping goes out within one interval; the next finds no pong and terminates.
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => pinging.hub.connectionCount).toBe(0);
    await pinging.server.close();
  });

  it('disconnects a client that stops reading instead of slowing the room', async () => {
    const slow = await connect();
    const fast = await connect();
    await joined(slow);
    await joined(fast);
    const channel = await deps.services.channels.reference(slug);
    // The slow client stops reading from its socket; the kernel buffers fill, then the server's.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    // Paced so that the reader in this same process gets turns to read: only the paused one falls behind.
    const total = 2000;
    const pad = 'x'.repeat(8000);
    for (let i = 1; i <= total; i++) {
      await backends.rooms.publish(
        channel.id,
        JSON.stringify({ type: 'viewers', channel: slug, count: i, pad }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await fast.next('viewers', (f) => f.count === total, { timeoutMs: 20_000 });
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(4001);
  }, 30_000);
});
