/**
 * `/ws` served by Bun (serveOnBun, a child process: this test runs on Node) with real clients: room
 * broadcasts through Bun's native topics, frames for one user, the slow-client cut-off without a member
 * loop, and a join during a slow history read. The child's rooms are on Redis; the test publishes into
 * them as another replica would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRoomBroadcaster } from '@streamhub/infra/realtime/rooms/factory';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeServerFrame } from '../realtime/frames.ts';
import { userRoom } from '../realtime/realtime-hub.ts';
import { expectEachMessageOnce } from '../realtime/testing/join-order.ts';
import { connectWs, type TestWsClient } from '../testing/ws-client.ts';

const GATEWAY = join(import.meta.dirname, 'testing', 'bun-gateway.ts');
const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAX_BUFFERED_BYTES = 64 * 1024;

interface Started {
  port: number;
  slug: string;
  channelId: string;
  gatedSlug: string;
  user: { id: string; accessToken: string };
}

let child: ChildProcess;
let started: Started;
let base: string;
let rooms: RoomBroadcaster;
let childLines: AsyncIterator<string>;
const clients: TestWsClient[] = [];

async function nextLine(expected: string): Promise<void> {
  const line = await childLines.next();
  expect(line.value).toBe(expected);
}

const connect = async () => {
  const client = await connectWs(base);
  clients.push(client);
  await client.next('hello');
  return client;
};

/** A room frame the hub never sends on its own; `pad` (dropped by the client's schema) makes it big. */
const deletion = (messageId: string, pad?: string) =>
  JSON.stringify({ type: 'chat.deleted', channel: started.slug, messageId, ...(pad ? { pad } : {}) });

const deletedIds = (client: TestWsClient) =>
  client.frames.flatMap((f) => (f.type === 'chat.deleted' ? [f.messageId] : []));

const joinRoom = async (client: TestWsClient, channel = started.slug) => {
  client.send({ type: 'join', channel });
  return client.next('joined', (f) => f.channel === channel);
};

beforeAll(async () => {
  const prefix = `test-bun-${crypto.randomUUID()}:`;
  rooms = await createRoomBroadcaster({ redisUrl: TEST_REDIS_URL, prefix });
  child = spawn('bun', [GATEWAY], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: TEST_REDIS_URL,
      ROOMS_PREFIX: prefix,
      WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (!child.stdout) throw new Error('no stdout');
  childLines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await childLines.next();
  if (first.done) throw new Error(`the Bun gateway exited with ${child.exitCode}`);
  started = JSON.parse(first.value) as Started;
  base = `http://127.0.0.1:${started.port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }
  await rooms.close();
});

describe('/ws on Bun', () => {
  it("publishes room frames to the room's members and user frames to that user's connections", async () => {
    const [member, otherMember, stranger, ownTab, ownOtherTab] = await Promise.all(
      Array.from({ length: 5 }, () => connect()),
    );
    if (!member || !otherMember || !stranger || !ownTab || !ownOtherTab) throw new Error('not connected');
    await joinRoom(member);
    await joinRoom(otherMember);
    for (const tab of [ownTab, ownOtherTab]) {
      tab.send({ type: 'auth', token: started.user.accessToken });
      await tab.next('authenticated');
    }

    const deleted = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const messageId of deleted) await rooms.publish(started.channelId, deletion(messageId));
    const progress = {
      type: 'video.status',
      videoId: crypto.randomUUID(),
      status: 'processing',
      progress: 40,
      failureReason: null,
    } as const;
    await rooms.publish(userRoom(started.user.id), encodeServerFrame(progress));

    for (const client of [member, otherMember]) {
      await client.next('chat.deleted', (f) => f.messageId === deleted[2]);
      expect(deletedIds(client)).toEqual(deleted);
    }
    for (const tab of [ownTab, ownOtherTab]) expect(await tab.next('video.status')).toEqual(progress);

    // After leaving, the room's frames stop; the stranger never got either kind.
    otherMember.send({ type: 'leave', channel: started.slug });
    await otherMember.next('left');
    const afterLeave = crypto.randomUUID();
    await rooms.publish(started.channelId, deletion(afterLeave));
    await member.next('chat.deleted', (f) => f.messageId === afterLeave);
    for (const client of [otherMember, stranger]) {
      client.send({ type: 'ping', nonce: 'last' });
      await client.next('pong', (f) => f.nonce === 'last');
    }
    expect(deletedIds(otherMember)).toEqual(deleted);
    expect(stranger.frames.filter((f) => f.type === 'chat.deleted' || f.type === 'video.status')).toEqual([]);
  });

  it('closes a client that stops reading (4001) while the rest of the room gets every frame', async () => {
    const slow = await connect();
    const fast = await connect();
    await joinRoom(slow);
    await joinRoom(fast);
    // The slow client stops reading from its socket; the kernel buffers fill, then Bun's.
    const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    const flood = Array.from({ length: 2000 }, () => crypto.randomUUID());
    const pad = 'x'.repeat(8000);
    for (const [i, messageId] of flood.entries()) {
      await rooms.publish(started.channelId, deletion(messageId, pad));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await fast.next('chat.deleted', (f) => f.messageId === flood.at(-1), { timeoutMs: 20_000 });
    expect(deletedIds(fast)).toEqual(flood);
    tcp.resume();
    expect(await closed).toBe(4001);
  }, 30_000);

  it('loses no message posted during a slow history read and shows each message once', async () => {
    const writer = await connect();
    writer.send({ type: 'auth', token: started.user.accessToken });
    await writer.next('authenticated');
    const post = async (body: string) => {
      writer.send({ type: 'chat.send', channel: started.gatedSlug, body, nonce: body });
      const { messageId } = await writer.next('ack', (f) => f.nonce === body);
      // The writer is on the joiner's replica: once the writer has it, the hub has handled it.
      await writer.next('chat.message', (f) => f.message.id === messageId);
      return messageId;
    };
    // The writer's own join reads the history through the gate too.
    writer.send({ type: 'join', channel: started.gatedSlug });
    await nextLine('history-reading');
    child.stdin?.write('go\n');
    await nextLine('history-queried');
    child.stdin?.write('go\n');
    await writer.next('joined', (f) => f.channel === started.gatedSlug);

    const earlier = await post('before the join');
    const joiner = await connect();
    joiner.send({ type: 'join', channel: started.gatedSlug });
    await nextLine('history-reading');
    const inBoth = await post('during the join, before the query');
    child.stdin?.write('go\n');
    await nextLine('history-queried');
    const liveOnly = await post('during the join, after the query');
    child.stdin?.write('go\n');
    const after = await post('after the join');

    await expectEachMessageOnce(joiner, { inHistory: [earlier, inBoth], live: [liveOnly, after] });
  });
});
