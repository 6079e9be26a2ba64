/**
 * The multi-host rehearsal (issue 17): StreamHub's scale-out roles on one machine, each in its own Linux
 * network namespace with its own address, data directory and temporary directory, sharing nothing but
 * PostgreSQL, Redis and an S3 bucket:
 *
 * | host (namespace) | address | what runs                                                       |
 * | ---------------- | ------- | --------------------------------------------------------------- |
 * | the machine      | .1      | PostgreSQL and Redis, reached through TCP forwarders on .1      |
 * | `lb`             | .5      | TCP load balancer: :3000 over the gateways, :1935 over the nodes |
 * | `s3`             | .10     | s3rver, the bucket                                              |
 * | `gw1`, `gw2`     | .11 .12 | `streamhub serve api`                                           |
 * | `worker`         | .13     | `streamhub serve worker`                                        |
 * | `media1/2`       | .21 .22 | `streamhub serve media`, MEDIA_NODE_ID media-1 and media-2       |
 *
 * It publishes with ffmpeg to media node 2, plays the HLS through gateway 1 (from the bucket), chats
 * from a socket on gateway 2 to one on gateway 1, uploads a video through gateway 2 and SIGKILLs it
 * mid-upload, resumes the upload on gateway 1 and waits for the worker to process it, SIGKILLs media
 * node 2 while live and reconnects the publisher through the load balancer, which lands on media node 1
 * and starts a new session; then it tears everything down. Each step is timed in the report.
 *
 * Needs root (`ip netns`), ffmpeg, and the machine's PostgreSQL and Redis (TEST_DATABASE_URL,
 * TEST_REDIS_URL). Run alone: `node --import tsx deploy/rehearsal/rehearsal.ts`; CI runs it through
 * `cli/src/rehearsal.test.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningJwk } from '@streamhub/api/domains/auth/signing-keys';
import { encodeUploadMetadata } from '@streamhub/api/domains/videos/tus';
import { connectWs, type TestWsClient } from '@streamhub/api/testing/ws-client';
import { ChannelSchema, CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { VideoSchema } from '@streamhub/contracts/videos';
import { openDatabase } from '@streamhub/db/client';
import { liveSessions } from '@streamhub/db/schema/channels';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { deleteKeysWithPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { publisherArgs } from '@streamhub/media-node/testing/process-helpers';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { eq } from 'drizzle-orm';
import { logIn, postChat, register } from '../../cli/src/testing/replica-clients.ts';
import { createRehearsalNetwork, forwardTcp, type TcpForwarder } from './network.ts';

const CLI_BIN = fileURLToPath(new URL('../../cli/bin/streamhub.mjs', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const TSX = import.meta.resolve('tsx');
const BUCKET = 'streamhub-media';
const LEASE_SECONDS = 2;

export interface RehearsalStep {
  step: string;
  /** Milliseconds since the rehearsal started, when the step finished. */
  atMs: number;
  detail?: Record<string, unknown>;
}

export interface RehearsalReport {
  steps: RehearsalStep[];
  /** Problems met while tearing down (an empty list when everything went). */
  teardown: string[];
}

interface RoleProcess {
  role: string;
  address: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  kill(): Promise<void>;
}

/** Runs the rehearsal; throws on the first check that fails, after tearing everything down. */
export async function runRehearsal(log: (line: string) => void = () => {}): Promise<RehearsalReport> {
  const started = Date.now();
  const steps: RehearsalStep[] = [];
  const step = (name: string, detail?: Record<string, unknown>) => {
    steps.push({ step: name, atMs: Date.now() - started, ...(detail && { detail }) });
    log(
      `${((Date.now() - started) / 1000).toFixed(1)} s  ${name}${detail ? ` ${JSON.stringify(detail)}` : ''}`,
    );
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  const processes: RoleProcess[] = [];
  const teardown: string[] = [];
  const root = mkdtempSync(join(tmpdir(), 'streamhub-rehearsal-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));

  try {
    const network = await createRehearsalNetwork();
    cleanups.push(async () => teardown.push(...(await network.destroy())));
    const db = await createScratchPostgresDatabase();
    cleanups.push(() => db.drop());
    const redisPrefix = `rehearsal-${randomUUID()}:`;
    cleanups.push(() => deleteKeysWithPrefix(TEST_REDIS_URL, redisPrefix));

    // PostgreSQL and Redis listen on 127.0.0.1; the namespaces reach them on the bridge's address.
    const host = network.hostAddress;
    const forwarders: TcpForwarder[] = [];
    cleanups.push(() => Promise.all(forwarders.map((f) => f.close())));
    const pg = new URL(db.url);
    const redis = new URL(TEST_REDIS_URL);
    forwarders.push(await forwardTcp(`${host}:${pg.port || 5432}`, `${pg.hostname}:${pg.port || 5432}`));
    forwarders.push(
      await forwardTcp(`${host}:${redis.port || 6379}`, `${redis.hostname}:${redis.port || 6379}`),
    );
    const inNamespaces = (url: URL) => {
      const moved = new URL(url);
      moved.hostname = host;
      return moved.toString();
    };

    const hosts = {
      lb: await network.addHost('lb', 5),
      s3: await network.addHost('s3', 10),
      gw1: await network.addHost('gw1', 11),
      gw2: await network.addHost('gw2', 12),
      worker: await network.addHost('worker', 13),
      media1: await network.addHost('media1', 21),
      media2: await network.addHost('media2', 22),
    };
    step('network up', { bridge: host, namespaces: Object.keys(hosts).length });

    /** Starts `args` inside `namespace` with its own directories; the pid is the process's own (ip execs it). */
    const start = (role: keyof typeof hosts, args: string[], env: Record<string, string> = {}) => {
      const { namespace, address } = hosts[role];
      const own = join(root, role);
      mkdirSync(join(own, 'tmp'), { recursive: true });
      const child = spawn('ip', ['netns', 'exec', namespace, ...args], {
        cwd: own,
        env: { PATH: process.env.PATH, HOME: own, TMPDIR: join(own, 'tmp'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const running: RoleProcess = {
        role,
        address,
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        kill: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        },
      };
      processes.push(running);
      return running;
    };
    cleanups.push(() => Promise.all(processes.map((p) => p.kill())));

    const s3 = start('s3', [
      'node',
      '--import',
      TSX,
      join(HERE, 's3-server.ts'),
      '--address',
      hosts.s3.address,
      '--directory',
      join(root, 's3', 'bucket'),
      '--bucket',
      BUCKET,
    ]);
    await lineFrom(s3, 's3 listening', 30_000);

    // What every StreamHub role shares: the database, Redis and the bucket, and the signing keys.
    const shared: Record<string, string> = {
      DATABASE_URL: inNamespaces(pg),
      REDIS_URL: inNamespaces(redis),
      REDIS_PREFIX: redisPrefix,
      SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      PUBLIC_URL: `http://${hosts.lb.address}:3000`,
      HOST: '0.0.0.0',
      RATE_LIMIT_MAX: '10000',
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: `http://${hosts.s3.address}:9000`,
      S3_BUCKET: BUCKET,
      S3_PREFIX: 'rehearsal',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      LIVE_LADDER: '360',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_X264_PRESET: 'ultrafast',
      MEDIA_NODE_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'info',
    };
    const streamhub = (role: keyof typeof hosts, args: string[], env: Record<string, string> = {}) =>
      start(role, ['bun', CLI_BIN, ...args], {
        ...shared,
        STREAMHUB_DATA_DIR: join(root, role, 'data'),
        ...env,
      });

    const migrate = streamhub('worker', ['db', 'migrate']);
    const [migrated] = (await once(migrate.child, 'exit')) as [number | null];
    if (migrated !== 0) throw new Error(`db migrate failed: ${migrate.stderr()}`);
    step('database migrated from the worker host');

    const gw1 = streamhub('gw1', ['serve', 'api'], { PORT: '3000' });
    const gw2 = streamhub('gw2', ['serve', 'api'], { PORT: '3000' });
    const worker = streamhub('worker', ['serve', 'worker', '--concurrency', '1']);
    const media1 = streamhub('media1', ['serve', 'media'], { MEDIA_NODE_ID: 'media-1', RTMP_PORT: '1935' });
    const media2 = streamhub('media2', ['serve', 'media'], { MEDIA_NODE_ID: 'media-2', RTMP_PORT: '1935' });
    const lb = start('lb', [
      'node',
      '--import',
      TSX,
      join(HERE, 'tcp-balancer.ts'),
      '--listen',
      `0.0.0.0:3000=rr=${hosts.gw1.address}:3000,${hosts.gw2.address}:3000`,
      '--listen',
      `0.0.0.0:1935=source=${hosts.media2.address}:1935,${hosts.media1.address}:1935`,
    ]);
    const base = (p: RoleProcess) => ({ base: `http://${p.address}:3000` });
    const viaLb = { base: `http://${hosts.lb.address}:3000` };
    await Promise.all([
      healthy(gw1, base(gw1).base),
      healthy(gw2, base(gw2).base),
      lineFrom(worker, 'worker running', 90_000),
      lineFrom(media1, 'media node running', 90_000),
      lineFrom(media2, 'media node running', 90_000),
      lineFrom(lb, 'balancing', 30_000),
    ]);
    await healthy(lb, viaLb.base);
    step('roles up', { processes: processes.length });

    // A streamer (made one by the CLI, as an admin would) and a viewer, signed up through the balancer.
    const suffix = randomUUID().slice(0, 8);
    const streamer = await register(viaLb, `streamer_${suffix}`);
    const role = streamhub('worker', ['user', 'role', streamer.username, 'streamer']);
    const [promoted] = (await once(role.child, 'exit')) as [number | null];
    if (promoted !== 0) throw new Error(`user role failed: ${role.stderr()}`);
    const streamerAuth = await logIn(viaLb, streamer.email);
    const viewer = await register(viaLb, `viewer_${suffix}`);
    const viewerAuth = await logIn(viaLb, viewer.email);
    const slug = `rehearsal-${suffix}`;
    const channel = ChannelSchema.parse(
      await json(`${viaLb.base}/api/v1/channels`, 'POST', streamerAuth.authorization, {
        slug,
        title: 'Rehearsal',
      }),
    );
    const key = CreatedStreamKeySchema.parse(
      await json(`${viaLb.base}/api/v1/channels/${slug}/keys`, 'POST', streamerAuth.authorization, {
        name: 'OBS',
      }),
    );
    step('accounts, channel and key made through the balancer', { channel: channel.slug });

    // Live: ffmpeg publishes to media node 2; gateway 1 serves the HLS, which it reads from the bucket.
    const liveSession = async () =>
      PublicChannelSchema.parse(await json(`${base(gw1).base}/api/v1/channels/${slug}`, 'GET')).session ??
      undefined;
    const firstPublisher = publish(`rtmp://${media2.address}:1935/live/${key.secret}`);
    cleanups.push(async () => firstPublisher.kill('SIGKILL'));
    const first = await until('the channel live on media-2', liveSession, 40_000);
    const firstPlay = await playable(base(gw1).base, first.playbackId);
    step('published to media-2, played through gateway 1 from the bucket', firstPlay);

    // Chat across gateways: a message sent on gateway 2 reaches a socket on gateway 1.
    const sockets: TestWsClient[] = [];
    // terminate, not close: a socket whose gateway was killed would wait for a closing handshake.
    cleanups.push(async () => {
      for (const socket of sockets) socket.socket.terminate();
    });
    const join_ = async (gateway: { base: string }, accessToken: string) => {
      const client = await connectWs(gateway.base);
      sockets.push(client);
      await client.next('hello');
      client.send({ type: 'auth', token: accessToken });
      await client.next('authenticated');
      client.send({ type: 'join', channel: slug });
      await client.next('joined');
      return client;
    };
    const listener = await join_(base(gw1), viewerAuth.accessToken);
    const sender = await join_(base(gw2), streamerAuth.accessToken);
    const ack = await postChat(sender, slug, 'hello across hosts');
    if (ack.type !== 'ack') throw new Error(`chat refused: ${JSON.stringify(ack)}`);
    await listener.next('chat.message', (f) => f.message.body === 'hello across hosts', {
      timeoutMs: 10_000,
    });
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    step('chat sent on gateway 2 reached a socket on gateway 1');

    // Upload through gateway 2, which dies after the first half; gateway 1 takes the rest.
    const clip = readFileSync(
      await makeClip(join(root, 'clip.mp4'), { seconds: 2, size: '320x180', rate: 15 }),
    );
    const tus = { 'Tus-Resumable': '1.0.0', Authorization: streamerAuth.authorization };
    const created = await fetch(`${base(gw2).base}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...tus,
        'Upload-Length': String(clip.length),
        'Upload-Metadata': encodeUploadMetadata({ title: 'Rehearsed upload' }),
      },
    });
    if (created.status !== 201)
      throw new Error(`upload not created: ${created.status} ${await created.text()}`);
    const location = new URL(created.headers.get('location') ?? '', base(gw2).base).pathname;
    const videoId = location.split('/').at(-1) ?? '';
    const half = Math.floor(clip.length / 2);
    const patch = (gateway: { base: string }, offset: number, bytes: Uint8Array) =>
      fetch(`${gateway.base}${location}`, {
        method: 'PATCH',
        headers: {
          ...tus,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': String(offset),
        },
        body: bytes,
      });
    const firstHalf = await patch(base(gw2), 0, clip.subarray(0, half));
    if (firstHalf.status !== 204) throw new Error(`first half refused: ${firstHalf.status}`);
    await gw2.kill();
    step('gateway 2 SIGKILLed after the first half of the upload', { bytes: half, of: clip.length });
    const head = await fetch(`${base(gw1).base}${location}`, { method: 'HEAD', headers: tus });
    const offset = Number(head.headers.get('upload-offset'));
    if (offset !== half) throw new Error(`gateway 1 sees offset ${offset}, expected ${half}`);
    const rest = await patch(base(gw1), offset, clip.subarray(offset));
    if (rest.status !== 204 || Number(rest.headers.get('upload-offset')) !== clip.length) {
      throw new Error(`the rest was refused: ${rest.status} ${await rest.text()}`);
    }
    step('upload resumed and completed on gateway 1');
    // The balancer still lists the dead gateway 2; its connections fail over to gateway 1.
    const video = await until(
      'the video processed by the worker',
      async () => {
        const found = VideoSchema.parse(
          await json(`${viaLb.base}/api/v1/videos/${videoId}`, 'GET', streamerAuth.authorization),
        );
        if (found.status === 'failed') throw new Fatal(`processing failed: ${found.failureReason}`);
        return found.status === 'ready' ? found : undefined;
      },
      90_000,
    );
    const vod = await fetch(video.playbackUrl ?? '', {
      headers: { Authorization: streamerAuth.authorization },
    });
    if (vod.status !== 200) throw new Error(`the video's master playlist answered ${vod.status}`);
    step('video processed by the worker and served through the balancer', { videoId });

    // Media node 2 dies while live; the publisher reconnects through the balancer (OBS retries).
    await media2.kill();
    const killedAt = Date.now();
    let reconnecting: ChildProcess | undefined;
    cleanups.push(async () => reconnecting?.kill('SIGKILL'));
    const second = await until(
      'a new session after the reconnect',
      async () => {
        const session = await liveSession();
        if (session && session.id !== first.id) return session;
        if (!reconnecting || reconnecting.exitCode !== null || reconnecting.signalCode !== null) {
          reconnecting = publish(`rtmp://${hosts.lb.address}:1935/live/${key.secret}`);
        }
        return undefined;
      },
      LEASE_SECONDS * 1000 + 30_000,
    );
    const takeoverMs = Date.now() - killedAt;
    const secondPlay = await playable(base(gw1).base, second.playbackId);
    const database = await openDatabase({ databaseUrl: db.url, dataDir: root });
    try {
      const rows = await database.db
        .select()
        .from(liveSessions)
        .where(eq(liveSessions.channelId, channel.id));
      const old = rows.find((row) => row.id === first.id);
      const now = rows.find((row) => row.id === second.id);
      if (old?.status !== 'ended' || old.nodeId !== 'media-2') {
        throw new Error(`the dead node's session: ${JSON.stringify(old)}`);
      }
      if (now?.status !== 'live' || now.nodeId !== 'media-1') {
        throw new Error(`the new session: ${JSON.stringify(now)}`);
      }
    } finally {
      await database.close();
    }
    step('media-2 SIGKILLed; the reconnect through the balancer went live on media-1', {
      takeoverMs,
      ...secondPlay,
    });
    firstPublisher.kill('SIGKILL');
  } finally {
    for (const [index, cleanup] of [...cleanups.entries()].reverse()) {
      const began = Date.now();
      await cleanup().catch((error: unknown) => teardown.push(String(error)));
      if (Date.now() - began > 1000) log(`  teardown step ${index} took ${Date.now() - began} ms`);
    }
    step('torn down', teardown.length > 0 ? { problems: teardown } : undefined);
  }
  return { steps, teardown };
}

/** ffmpeg pushing a 640x360 test pattern and tone in real time for up to two minutes. */
function publish(url: string): ChildProcess {
  return spawn('ffmpeg', publisherArgs(url, 120, '640x360'), { stdio: 'ignore' });
}

/** The master playlist, a variant and its newest segment, each fetched through `gateway`. */
async function playable(gateway: string, playbackId: string) {
  return until(
    `a playable segment of ${playbackId}`,
    async () => {
      const master = await fetch(`${gateway}/hls/${playbackId}/master.m3u8`);
      if (master.status !== 200) return undefined;
      const variant = uris(await master.text())[0];
      if (!variant) return undefined;
      const variantUrl = new URL(variant, `${gateway}/hls/${playbackId}/master.m3u8`);
      const playlist = await fetch(variantUrl);
      if (playlist.status !== 200) return undefined;
      const segment = uris(await playlist.text()).at(-1);
      if (!segment) return undefined;
      const bytes = await fetch(new URL(segment, variantUrl));
      const body = new Uint8Array(await bytes.arrayBuffer());
      return bytes.status === 200 && body.length > 0 ? { segment, segmentBytes: body.length } : undefined;
    },
    30_000,
  );
}

const uris = (playlist: string) => playlist.split('\n').filter((line) => line && !line.startsWith('#'));

async function json(url: string, method: string, authorization?: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(authorization ? { Authorization: authorization } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A failure no retry can mend: `until` rethrows it at once. */
class Fatal extends Error {}

/**
 * Polls `check` until it gives a value; throws after `timeoutMs`. Errors count as "not yet" (a role still
 * starting refuses connections) until the deadline, except {@link Fatal} ones.
 */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      if (error instanceof Fatal || Date.now() > deadline) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits for a JSON log line whose `msg` is `msg`; fails when the process exits first. */
function lineFrom(process_: RoleProcess, msg: string, timeoutMs: number) {
  return until(
    `${process_.role}: ${msg}`,
    async () => {
      if (process_.child.exitCode !== null) {
        throw new Fatal(`${process_.role} exited (${process_.child.exitCode}): ${process_.stderr()}`);
      }
      return process_
        .stdout()
        .split('\n')
        .some((line) => line.includes(`"msg":"${msg}"`))
        ? true
        : undefined;
    },
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${process_.role} stderr: ${process_.stderr().slice(-2000)}`);
  });
}

function healthy(process_: RoleProcess, baseUrl: string) {
  return until(
    `${process_.role} healthy`,
    async () => {
      if (process_.child.exitCode !== null) {
        throw new Fatal(`${process_.role} exited (${process_.child.exitCode}): ${process_.stderr()}`);
      }
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      return response.ok ? true : undefined;
    },
    90_000,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runRehearsal((line) => process.stdout.write(`${line}\n`)).then(
    (report) => {
      if (report.teardown.length > 0) process.exitCode = 1;
    },
    (error: unknown) => {
      process.stderr.write(`rehearsal failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
