/**
 * Notifications (issue 15's targets): the go-live fan-out of a 100,000-follower channel (stored, and the
 * `/ws` frames of the followers online on this replica framed from the user batches the fan-out
 * publishes; `--online` of them, spread over the follower ids), with the process's CPU seconds and the
 * fan-out statements' time (and, on PostgreSQL, its backends' CPU seconds) beside the wall time; emails per second to a local SMTP sink, Web Pushes per
 * second to a local push service (payload encryption included). Each beside an anchor measured in the
 * same run: a bare `INSERT … SELECT` of as many rows into a table of the same shape; nodemailer sending a
 * fixed message to the same sink; the same number of HTTPS POSTs of the same size without encryption.
 *
 * While the fan-out runs, this process also serves the gateway's app over HTTP and a probe in another
 * process asks `GET /healthz` at a fixed rate: the p99 during the fan-out (target < 50 ms) beside the
 * p99 of the seconds before it.
 *
 * On Linux it also reports the main thread's CPU per fan-out statement and the longest turn of the event
 * loop in CPU time (thread-cpu.ts): how long the gateway's thread was held, comparable across loads.
 * The setup `embedded-zero-fill` is the embedded one with PostgreSQL's default `wal_init_zero = on`
 * (what PGlite ran with before PGLITE_SESSION_SETTINGS), as an anchor in the same run.
 *
 *   node --import tsx bench/notifications/run.ts [--followers 100000] [--online 5000] [--emails 1000] [--pushes 2000] [--setups postgres,embedded,embedded-zero-fill] [--probe-rate 200]
 */

import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp } from '@streamhub/api/app';
import { renderNotificationEmail } from '@streamhub/api/domains/notifications/notification-email';
import { messagesFor } from '@streamhub/api/domains/notifications/notification-messages';
import { NotificationsRepository } from '@streamhub/api/domains/notifications/notifications.repository';
import { PushPort } from '@streamhub/api/domains/notifications/push-port';
import type { TestBrowserSubscription } from '@streamhub/api/domains/notifications/testing/web-push-service';
import { WebPushSender } from '@streamhub/api/domains/notifications/web-push-sender';
import { createSmtpMailer } from '@streamhub/api/mail/smtp-mailer';
import { broadcastingNotificationPublisher } from '@streamhub/api/realtime/create-hub';
import { deliverUserBatch, USER_BATCH_ROOM } from '@streamhub/api/realtime/user-batch';
import { serveHttp } from '@streamhub/api/server/serve';
import { startTestSmtpServer } from '@streamhub/api/testing/smtp-test-server';
import { createTestBackends } from '@streamhub/api/testing/test-deps';
import type { Db } from '@streamhub/db/client';
import { channels } from '@streamhub/db/schema/channels';
import { follows } from '@streamhub/db/schema/engagement';
import { users } from '@streamhub/db/schema/users';
import { createMemoryRoomBroadcaster } from '@streamhub/infra/realtime/rooms/memory';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { createRedisRoomBroadcaster } from '@streamhub/infra/realtime/rooms/redis';
import { TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { sql } from 'drizzle-orm';
import webpush from 'web-push';
import { mainThreadCpuNs, watchLoopHolds } from './thread-cpu.ts';

const { values } = parseArgs({
  options: {
    followers: { type: 'string', default: '100000' },
    emails: { type: 'string', default: '1000' },
    pushes: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    setups: { type: 'string', default: 'postgres,embedded' },
    'probe-rate': { type: 'string', default: '200' },
    online: { type: 'string', default: '5000' },
  },
});
const FOLLOWERS = Number(values.followers);
const EMAILS = Number(values.emails);
const PUSHES = Number(values.pushes);
const CONCURRENCY = Number(values.concurrency);
/** Requests per second of the latency probe, and how long it measures before the fan-out. */
const PROBE_RATE = Number(values['probe-rate']);
const PROBE_IDLE_MS = 3_000;
/** Followers signed in on the fan-out's replica during the go-live. */
const ONLINE = Math.min(Number(values.online), FOLLOWERS);

/** This process's user + system CPU in ms. */
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits });

async function pool(count: number, run: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

/** The latency probe of latency-probe.ts against `url`, started as a child process and driven over IPC. */
async function startLatencyProbe(url: string, perSecond: number) {
  const child = fork(
    fileURLToPath(new URL('./latency-probe.ts', import.meta.url)),
    [url, String(perSecond)],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  const replies: ((reply: Record<string, unknown>) => void)[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (reply: Record<string, unknown>) => {
      if (reply.ready) resolve();
      else replies.shift()?.(reply);
    });
  });
  return {
    window: (name: string) => child.send({ op: 'window', name }),
    report: () =>
      new Promise<ProbeWindow[]>((resolve) => {
        replies.push((reply) => resolve(reply.windows as ProbeWindow[]));
        child.send({ op: 'report' });
      }),
  };
}

interface ProbeWindow {
  name: string;
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * CPU seconds (user + system) of the PostgreSQL backends serving `database`, from /proc: the fan-out's
 * database time on the server side, which does not count the time a loaded machine keeps it waiting.
 */
async function backendCpuSeconds(db: Db, database: string): Promise<number> {
  const rows = (await db.execute(
    sql`select pid from pg_stat_activity where datname = ${database}`,
  )) as unknown as { pid: number }[];
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // A backend that ended meanwhile.
    }
  }
  return total;
}

/**
 * Client-side time spent in the fan-out's statements (one per chunk), and the longest of them: on PGlite
 * the longest time the gateway's thread was held without a turn of the event loop.
 */
function timeFanOutStatements(): {
  seconds: () => number;
  statements: () => number;
  longestMs: () => number;
  /** The main thread's CPU per statement, ms: p50, p99 and max (NaN off Linux). */
  cpuMs: () => { p50: number; p99: number; max: number };
  /** Followers each statement was asked for (the chunk sizes, steered on PGlite): min, p50 and max. */
  sizes: () => { min: number; p50: number; max: number };
} {
  let total = 0n;
  let longest = 0n;
  let count = 0;
  const cpu: number[] = [];
  const sizes: number[] = [];
  const proto = NotificationsRepository.prototype;
  const original = proto.insertFanOut;
  proto.insertFanOut = async function (this: NotificationsRepository, ...args) {
    const started = process.hrtime.bigint();
    const cpuBefore = mainThreadCpuNs();
    if (args[3]) sizes.push(args[3].size);
    try {
      return await original.apply(this, args);
    } finally {
      const cpuAfter = mainThreadCpuNs();
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.push((cpuAfter - cpuBefore) / 1e6);
      const took = process.hrtime.bigint() - started;
      total += took;
      if (took > longest) longest = took;
      count += 1;
    }
  };
  return {
    seconds: () => Number(total) / 1e9,
    statements: () => count,
    longestMs: () => Number(longest) / 1e6,
    cpuMs: () => {
      const sorted = [...cpu].sort((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
      return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
    },
    sizes: () => {
      const sorted = [...sizes].sort((a, b) => a - b);
      return {
        min: sorted[0] ?? Number.NaN,
        p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
        max: sorted.at(-1) ?? Number.NaN,
      };
    },
  };
}

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

/**
 * The go-live fan-out on one setup: seconds until every row is stored and every online follower's frame
 * is framed. `ONLINE` followers count as signed in on this replica: the room subscriber below reads each
 * user batch with the hub's own decoder (user-batch.ts) and frames theirs, as the hub does before it
 * hands a frame to the sockets.
 */
type Setup = 'postgres' | 'embedded' | 'embedded-zero-fill';

async function fanOut(setup: Setup) {
  const backends = await createTestBackends(setup === 'postgres' ? 'postgres' : 'pglite');
  if (setup === 'embedded-zero-fill' && backends.database.driver === 'pglite')
    await backends.database.client.exec('set wal_init_zero = on');
  const rooms: RoomBroadcaster =
    setup === 'postgres'
      ? await createRedisRoomBroadcaster({
          url: TEST_REDIS_URL,
          prefix: `bench-notifications-${randomUUID()}:`,
        })
      : createMemoryRoomBroadcaster({ prefix: `bench-${randomUUID()}:` });
  const online = new Set<string>();
  let frames = 0;
  let messages = 0;
  let wireBytes = 0;
  let allFramed: () => void = () => {};
  const allFrames = new Promise<void>((resolve) => {
    allFramed = resolve;
  });
  rooms.subscribe((room, message) => {
    if (room !== USER_BATCH_ROOM) return;
    messages += 1;
    wireBytes += message.length;
    deliverUserBatch(
      message,
      (userId) => online.has(userId),
      () => {
        frames += 1;
      },
    );
    if (frames === online.size) allFramed();
  });
  await rooms.ready();
  const deps = backends.deps(
    { LOG_LEVEL: 'silent' },
    {},
    { notificationPublisher: broadcastingNotificationPublisher(rooms) },
  );
  // The gateway of this process, serving HTTP while the fan-out runs in it (as the all-in-one and the
  // embedded defaults do); the probe asks a plain JSON route.
  const { app } = createApp(deps);
  const server = await serveHttp({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1_000 });
  const probe = await startLatencyProbe(`http://127.0.0.1:${server.port}/healthz`, PROBE_RATE);
  const { db } = backends.database;
  const [owner] = await db
    .insert(users)
    .values({ email: 'owner@bench.test', username: 'bench_owner', role: 'streamer' })
    .returning({ id: users.id });
  const [channel] = await db
    .insert(channels)
    .values({ ownerId: owner?.id ?? '', slug: 'bench-live', title: 'Bench', category: 'talk' })
    .returning({ id: channels.id });
  const ownerId = owner?.id;
  const channelId = channel?.id;
  if (!ownerId || !channelId) throw new Error('no bench channel');
  await db.execute(sql`
    insert into users.users (email, username) select 'f' || g || '@bench.test', 'f' || g from generate_series(1, ${FOLLOWERS}) g`);
  await db.execute(sql`
    insert into engagement.follows (follower_id, channel_id) select id, ${channelId}::uuid from users.users where email like 'f%@bench.test'`);
  // Every 1/fraction-th follower is online, spread over the id order (so over every chunk).
  const followerIds = await db
    .select({ id: follows.followerId })
    .from(follows)
    .where(sql`${follows.channelId} = ${channelId}::uuid`);
  const every = Math.max(1, Math.round(FOLLOWERS / Math.max(1, ONLINE)));
  followerIds.forEach(({ id }, i) => {
    if (i % every === 0 && online.size < ONLINE) online.add(id);
  });
  await db.execute(sql`analyze engagement.follows`);

  // Anchor: the same number of rows of the same shape, one INSERT … SELECT, no preferences, no frames.
  await db.execute(
    sql`create table public.anchor_rows (like notifications.notifications including defaults)`,
  );
  const database =
    setup === 'postgres'
      ? ((await db.execute(sql`select current_database() as name`)) as unknown as { name: string }[])[0]?.name
      : undefined;
  const anchorBackendBefore = database ? await backendCpuSeconds(db, database) : 0;
  let started = process.hrtime.bigint();
  await db.execute(sql`
    insert into public.anchor_rows (user_id, type, event_id, channel_id, data, url, in_app, email, push)
    select follower_id, 'channel.live', gen_random_uuid(), channel_id, '{}'::jsonb, '/c/bench-live', true, false, true
    from engagement.follows where channel_id = ${channelId}::uuid`);
  const anchor = seconds(started);
  const anchorBackendCpu = database
    ? (await backendCpuSeconds(db, database)) - anchorBackendBefore
    : undefined;

  // Idle window first: the same route's latency without a fan-out, the anchor of the p99.
  const statements = timeFanOutStatements();
  probe.window('idle');
  await new Promise((resolve) => setTimeout(resolve, PROBE_IDLE_MS));
  probe.window('fan-out');
  const backendBefore = database ? await backendCpuSeconds(db, database) : 0;
  const cpuBefore = process.cpuUsage();
  const holds = watchLoopHolds();
  started = process.hrtime.bigint();
  const stored = await deps.services.notifications.notify({
    id: randomUUID(),
    name: 'stream.started',
    payload: {
      sessionId: randomUUID(),
      channelId,
      playbackId: 'bench',
      slug: 'bench-live',
      ownerId,
      record: false,
      startedAt: new Date().toISOString(),
    },
  });
  const storedAndPublished = seconds(started);
  if (online.size > 0) await allFrames;
  const delivered = seconds(started);
  const cpu = cpuSeconds(process.cpuUsage(cpuBefore));
  const loop = holds.stop();
  const backendCpu = database ? (await backendCpuSeconds(db, database)) - backendBefore : undefined;
  const [idle, during] = await probe.report();
  await server.close();
  await rooms.close();
  await backends.close();
  return {
    setup,
    stored,
    storedAndPublished,
    delivered,
    anchor,
    idle,
    during,
    cpu,
    anchorBackendCpu,
    statementSeconds: statements.seconds(),
    statementCount: statements.statements(),
    longestStatementMs: statements.longestMs(),
    statementCpuMs: statements.cpuMs(),
    chunkSizes: statements.sizes(),
    longestHoldMs: loop.longestMs,
    holdsOver20Ms: loop.over(20),
    holdsOver50Ms: loop.over(50),
    backendCpu,
    online: online.size,
    frames,
    messages,
    wireBytes,
  };
}

async function emails() {
  const sink = await startTestSmtpServer();
  // The production mailer as configured by a bare SMTP_URL (its default pool of kept connections).
  const mailer = createSmtpMailer({ url: sink.url, from: 'bench <bench@example.test>' });
  const instance = { name: 'Bench', publicUrl: 'https://bench.example.test' };
  const render = () =>
    renderNotificationEmail(
      messagesFor(undefined),
      instance,
      'viewer',
      [{ type: 'channel.live', data: { slug: 'bench-live' }, url: '/c/bench-live' }],
      'header.payload.signature',
    );
  const fixed = render();
  // Warm-up: the pool's connections opened and the code compiled before anything is timed.
  await pool(Math.min(EMAILS, 100), () => mailer.send({ to: 'warm@example.test', ...fixed }));
  let cpuBefore = process.cpuUsage();
  let started = process.hrtime.bigint();
  await pool(EMAILS, () => mailer.send({ to: 'anchor@example.test', ...fixed }));
  const anchor = EMAILS / seconds(started);
  const anchorCpuPerEmail = cpuMs(process.cpuUsage(cpuBefore)) / EMAILS;
  cpuBefore = process.cpuUsage();
  started = process.hrtime.bigint();
  await pool(EMAILS, () => mailer.send({ to: 'viewer@example.test', ...render() }));
  const rate = EMAILS / seconds(started);
  const cpuPerEmail = cpuMs(process.cpuUsage(cpuBefore)) / EMAILS;
  // Rendering alone, to tell it from the send.
  cpuBefore = process.cpuUsage();
  for (let i = 0; i < EMAILS; i += 1) render();
  const renderCpuPerEmail = cpuMs(process.cpuUsage(cpuBefore)) / EMAILS;
  await mailer.close();
  await sink.close();
  return { rate, anchor, cpuPerEmail, anchorCpuPerEmail, renderCpuPerEmail };
}

/** The push service of push-service-process.ts, started as a child process and driven over IPC. */
async function startPushServiceProcess() {
  const child = fork(fileURLToPath(new URL('./push-service-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
  });
  let nextId = 0;
  const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  const ready = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (reply: Record<string, unknown>) => {
      if (reply.ready) resolve(String(reply.ca));
      else waiting.get(Number(reply.id))?.(reply);
    });
  });
  const ask = (request: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ ...request, id });
    });
  const ca = await ready;
  return {
    ca,
    subscribe: async (count: number) =>
      (await ask({ op: 'subscribe', count })).subscriptions as TestBrowserSubscription[],
    received: async () => Number((await ask({ op: 'count' })).received),
    close: () => ask({ op: 'close' }),
  };
}

async function pushes() {
  const service = await startPushServiceProcess();
  const vapid = webpush.generateVAPIDKeys();
  // An agent trusting the service's certificate, shaped as the sender's own (keep-alive, 64 sockets).
  const agent = new Agent({ ca: service.ca, keepAlive: true, maxSockets: 64 });
  const sender = new WebPushSender({ ...vapid, subject: 'mailto:bench@example.test', agent });
  const port = new PushPort({ webpush: sender });
  const subscriptions = await service.subscribe(50);
  const message = {
    title: 'bench-live is live',
    body: 'bench-live just started streaming.',
    url: 'https://bench.example.test/c/bench-live',
    tag: randomUUID(),
  };
  const body = Buffer.alloc(JSON.stringify(message).length + 103);
  const send = async (i: number) => {
    const subscription = subscriptions[i % subscriptions.length];
    if (!subscription) return;
    const outcome = await port.send(
      { kind: 'webpush', endpoint: subscription.endpoint, keys: subscription.keys },
      message,
    );
    if (outcome !== 'sent') throw new Error(`push ${outcome}`);
  };
  // Warm-up: connections open, code compiled, before anything is timed.
  await pool(Math.min(PUSHES, 500), send);
  const warmUp = await service.received();
  const cpuBefore = process.cpuUsage();
  let started = process.hrtime.bigint();
  await pool(PUSHES, (i) => {
    const endpoint = new URL(subscriptions[i % subscriptions.length]?.endpoint ?? '');
    return new Promise<void>((resolve, reject) => {
      const post = request(
        endpoint,
        { method: 'POST', agent, headers: { 'Content-Length': body.length } },
        (response) => {
          response.resume();
          response.on('end', () => resolve());
        },
      );
      post.on('error', reject);
      post.end(body);
    });
  });
  const anchor = PUSHES / seconds(started);
  const anchorCpu = process.cpuUsage(cpuBefore);
  started = process.hrtime.bigint();
  await pool(PUSHES, send);
  const rate = PUSHES / seconds(started);
  const cpu = process.cpuUsage(cpuBefore);
  const decrypted = (await service.received()) - warmUp;
  const cpuSignedBefore = process.cpuUsage();
  // What the sender did before: `web-push` signing a VAPID token for every message.
  started = process.hrtime.bigint();
  await pool(PUSHES, async (i) => {
    const subscription = subscriptions[i % subscriptions.length];
    if (!subscription) return;
    const options: webpush.RequestOptions & { agent: Agent } = {
      vapidDetails: { subject: 'mailto:bench@example.test', ...vapid },
      TTL: 86_400,
      contentEncoding: 'aes128gcm',
      agent,
    };
    await webpush.sendNotification(subscription, JSON.stringify(message), options);
  });
  const signedEach = PUSHES / seconds(started);
  const signedEachCpu = process.cpuUsage(cpuSignedBefore);
  // Sender CPU per push, in ms: this process's user+system time over the pushes only.
  const anchorCpuPerPush = cpuMs(anchorCpu) / PUSHES;
  const cpuPerPush = (cpuMs(cpu) - cpuMs(anchorCpu)) / PUSHES;
  agent.destroy();
  await service.close();
  const signedEachCpuPerPush = cpuMs(signedEachCpu) / PUSHES;
  return { rate, anchor, decrypted, cpuPerPush, anchorCpuPerPush, signedEach, signedEachCpuPerPush };
}

console.log(
  `bench/notifications · ${cpus().length} CPUs · load ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
for (const setup of values.setups.split(',').filter(Boolean) as Setup[]) {
  const r = await fanOut(setup);
  console.log(
    `fan-out ${setup}: ${fmt(r.stored)} notifications stored + batches published in ${r.storedAndPublished.toFixed(2)} s, frames of all ${fmt(r.online)} online followers framed after ${r.delivered.toFixed(2)} s (${fmt(r.frames)} frames from ${fmt(r.messages)} room messages, ${fmt(r.wireBytes / 1e6, 1)} MB); anchor INSERT … SELECT ${r.anchor.toFixed(2)} s (ratio ${(r.delivered / r.anchor).toFixed(1)}×); target ≤ 10 s`,
  );
  console.log(
    `  CPU: gateway process ${r.cpu.toFixed(2)} s during the fan-out (probe's requests included); fan-out statements ${r.statementSeconds.toFixed(2)} s wall over ${fmt(r.statementCount)} statements (longest ${r.longestStatementMs.toFixed(1)} ms)${r.backendCpu === undefined ? ' (PGlite: in the process CPU)' : `; PostgreSQL backends ${r.backendCpu.toFixed(2)} CPU-s (anchor's ${r.anchorBackendCpu?.toFixed(2)} CPU-s)`}`,
  );
  const c = r.statementCpuMs;
  const z = r.chunkSizes;
  console.log(
    `  gateway thread CPU: per fan-out statement (followers each: min ${z.min}, p50 ${z.p50}, max ${z.max}) p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms, max ${c.max.toFixed(1)} ms; longest turn of the event loop ${r.longestHoldMs.toFixed(1)} ms (turns over 20 ms: ${r.holdsOver20Ms}, over 50 ms: ${r.holdsOver50Ms})`,
  );
  const window = (w: ProbeWindow | undefined) =>
    w
      ? `p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms over ${fmt(w.count)} requests${w.errors ? `, ${w.errors} errors` : ''}`
      : 'no samples';
  console.log(
    `  gateway GET /healthz at ${PROBE_RATE}/s from another process: during the fan-out ${window(r.during)}; idle before it ${window(r.idle)}; target p99 < 50 ms`,
  );
}
const e = EMAILS > 0 ? await emails() : undefined;
if (e)
  console.log(
    `emails: ${fmt(e.rate)}/s rendered and sent (anchor: fixed message ${fmt(e.anchor)}/s, ratio ${(e.rate / e.anchor).toFixed(2)}); CPU ${e.cpuPerEmail.toFixed(3)} ms/email in this process, SMTP sink included (anchor ${e.anchorCpuPerEmail.toFixed(3)}, rendering alone ${e.renderCpuPerEmail.toFixed(3)}); target ≥ 200/s`,
  );
const p = PUSHES > 0 ? await pushes() : undefined;
if (p)
  console.log(
    `web push: ${fmt(p.rate)}/s encrypted and sent, ${fmt(p.decrypted)} decrypted by the service (anchor: plain HTTPS POST ${fmt(p.anchor)}/s, ratio ${(p.rate / p.anchor).toFixed(2)}); sender CPU ${p.cpuPerPush.toFixed(3)} ms/push (anchor ${p.anchorCpuPerPush.toFixed(3)}); a VAPID token signed per message (web-push's default): ${fmt(p.signedEach)}/s, ${p.signedEachCpuPerPush.toFixed(3)} ms/push; target ≥ 1,000/s`,
  );
process.exit(0);
