import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadMetadata } from '@streamhub/contracts/videos';
import type { Driver } from '@streamhub/db/client';
import { users } from '@streamhub/db/schema/users';
import { uploads } from '@streamhub/db/schema/videos';
import { testDatabases } from '@streamhub/db/testing';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { ffprobeBeside } from '@streamhub/media-node/ffmpeg/locate';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import type { AuthContext } from '../auth/session.service.ts';
import { webStreamBody } from './upload-body.ts';
import { COMMIT_EVERY, UploadsService } from './uploads.service.ts';
import { VideosRepository } from './videos.repository.ts';

// Short, so a crashed writer's claim lapses within the test; renewed every half second.
const LEASE_MS = 1500;

type StorageKind = 'filesystem' | 's3';
const cases = testDatabases().flatMap((driver) =>
  (['filesystem', 's3'] as const).map((storage): [Driver, StorageKind] => [driver, storage]),
);

/**
 * Gateway replicas as separate service graphs (own repository, storage instance, in-process locks)
 * sharing one database and either one data directory or one S3 bucket (each replica then has its own
 * scratch directory: no shared disk), with a real clip and ffprobe; on PGlite and PostgreSQL.
 */
describe.each(cases)('uploads across replicas on %s with %s storage', { timeout: 60_000 }, (driver, kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-replicas-'));
  const prefix = `replicas-${randomUUID().slice(0, 8)}`;
  let s3: TestS3Server | undefined;
  let backends: TestBackends;
  let clip: Buffer;

  /** A replica's own storage instance: the shared data directory, or the shared bucket. */
  function storage(): MediaStorage {
    if (kind === 'filesystem' || !s3) return createMediaStorage({ dataDir });
    return createMediaStorage({
      dataDir: mkdtempSync(join(dataDir, 'replica-')),
      storage: { kind: 's3', ...s3.settings, bucket: s3.bucket, prefix },
      db: backends.database.db,
    });
  }

  /** The accepted source as any replica reads it. */
  const source = async (videoId: string) => readMediaBytes(storage(), mediaKeys.vodSource(videoId));

  beforeAll(async () => {
    if (kind === 's3') s3 = await startTestS3Server();
    backends = await createTestBackends(driver);
    await backends.jobs.start({
      'email.send': async () => {},
      'notifications.deliver': async () => {},
      'video.process': async () => {},
      'webhook.deliver': async () => {},
    });
    clip = readFileSync(await makeClip(join(dataDir, 'clip.mp4'), { seconds: 2, size: '160x90', rate: 10 }));
  }, 60_000);
  afterAll(async () => {
    await backends?.close();
    await s3?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function replica(
    options: {
      quotaBytes?: number;
      writerLeaseMs?: number;
      commitEvery?: { ms: number; bytes: number };
      media?: MediaStorage;
    } = {},
  ): UploadsService {
    const { config, services } = backends.deps({ STREAMHUB_DATA_DIR: dataDir });
    return new UploadsService({
      videos: new VideosRepository(backends.database.db),
      media: options.media ?? storage(),
      channels: services.channels,
      jobs: backends.jobs,
      limits: { maxBytes: 1 << 30, quotaBytes: options.quotaBytes ?? 1 << 30, expiryMs: 3600_000 },
      ffprobePath: ffprobeBeside(config.media.ffmpegPath),
      removeVideo: (videoId) => services.videos.remove(videoId),
      writerLeaseMs: options.writerLeaseMs ?? LEASE_MS,
      ...(options.commitEvery ? { commitEvery: options.commitEvery } : {}),
    });
  }

  async function caller(): Promise<AuthContext> {
    const name = `r${randomUUID().slice(0, 8)}`;
    const [row] = await backends.database.db
      .insert(users)
      .values({ email: `${name}@example.test`, username: name, passwordHash: 'x' })
      .returning({ id: users.id });
    if (!row) throw new Error('no user');
    return { userId: row.id, sessionId: randomUUID(), role: 'viewer', emailVerified: false };
  }

  const metadata: UploadMetadata = {
    title: 'Replicated',
    description: '',
    tags: [],
    category: 'other',
    visibility: 'public',
  };

  /** A request body that sends `first`, then waits for `gate` before sending `rest`. */
  function body(first: Uint8Array, rest?: { bytes: Uint8Array; after: Promise<void> }) {
    const parts = [first];
    return webStreamBody(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          const part = parts.shift();
          if (part) return controller.enqueue(part);
          if (!rest) return controller.close();
          await rest.after;
          controller.enqueue(rest.bytes);
          rest = undefined;
        },
      }),
    );
  }

  function gate() {
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  }

  const settle = <T>(promise: Promise<T>) =>
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );

  /** A PATCH of the whole clip from 0 that sends its first half, then waits for `rest` to open; settled. */
  const patchStallingAtHalf = (
    writer: UploadsService,
    owner: AuthContext,
    videoId: string,
    rest: { opened: Promise<void> },
  ) => {
    const half = Math.floor(clip.length / 2);
    return settle(
      writer.append(
        owner,
        videoId,
        0,
        body(clip.subarray(0, half), { bytes: clip.subarray(half), after: rest.opened }),
      ),
    );
  };

  it('lets one of two concurrent PATCHes write; the other gets 409 upload_busy and the file is intact', async () => {
    // Leases far longer than the test: the loser is refused by the claim, not by a later renewal.
    const [a, b] = [replica({ writerLeaseMs: 60_000 }), replica({ writerLeaseMs: 60_000 })];
    const owner = await caller();
    const { videoId } = await a.create(owner, clip.length, metadata);
    const rest = gate();
    const patches = [a, b].map((service) => patchStallingAtHalf(service, owner, videoId, rest));
    // The winner waits for the rest of its body, so the first to answer is the loser.
    const first = await Promise.race([
      ...patches.map((patch, index) => patch.then((result) => ({ index, result }))),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('neither PATCH was refused')), 10_000),
      ),
    ]);
    expect(first.result).toMatchObject({ ok: false, error: { status: 409, code: 'upload_busy' } });
    rest.open();
    const winner = await patches[1 - first.index];
    expect(winner).toMatchObject({ ok: true, value: { offset: clip.length, expiresAt: undefined } });

    expect((await source(videoId))?.equals(clip)).toBe(true);
    expect(await storage().stat(mediaKeys.upload(videoId))).toBeUndefined();
    expect(await b.state(owner, videoId)).toMatchObject({ offset: clip.length, length: clip.length });
  });

  it('resumes on another replica once a crashed writer’s lease lapses, over the bytes it left', async () => {
    const [a, b] = [replica(), replica()];
    const owner = await caller();
    const { videoId } = await a.create(owner, clip.length, metadata);
    const half = Math.floor(clip.length / 2);
    expect(await a.append(owner, videoId, 0, body(clip.subarray(0, half)))).toMatchObject({ offset: half });

    // A third replica claimed the upload, wrote past the committed offset without committing, and died.
    expect(
      await new VideosRepository(backends.database.db).claimUploadWriter(videoId, randomUUID(), LEASE_MS),
    ).toBe(half);
    const dead = await storage().openUpload(mediaKeys.upload(videoId), half);
    await dead.append(Buffer.alloc(clip.length - half, 0xee));
    await dead.sync();
    const crashedAt = Date.now();

    const busy = await settle(b.append(owner, videoId, half, body(clip.subarray(half))));
    expect(busy).toMatchObject({ ok: false, error: { status: 409, code: 'upload_busy' } });
    expect((await b.state(owner, videoId)).offset).toBe(half);

    // What a tus client does: retry until the upload is free again.
    let resumed = await settle(b.append(owner, videoId, half, body(clip.subarray(half))));
    while (!resumed.ok && Date.now() - crashedAt < 10 * LEASE_MS) {
      expect(resumed.error).toMatchObject({ code: 'upload_busy' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumed = await settle(b.append(owner, videoId, half, body(clip.subarray(half))));
    }
    expect(resumed).toMatchObject({ ok: true, value: { offset: clip.length } });
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(LEASE_MS - 100);
    expect((await source(videoId))?.equals(clip)).toBe(true);
  });

  it('refuses a writer that stalled past its lease and was taken over: it cannot move the offset', async () => {
    // The stalled replica renews far less often than its lease is cut short below.
    const [stalled, b] = [replica({ writerLeaseMs: 60_000 }), replica()];
    const owner = await caller();
    const { videoId } = await stalled.create(owner, clip.length, metadata);
    const third = Math.floor(clip.length / 3);
    const rest = gate();
    const slow = patchStallingAtHalf(stalled, owner, videoId, rest);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await readUpload(videoId))?.patchOwner == null) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Its lease runs out while it stalls (a long pause, a lost network), and another replica goes on.
    await backends.database.db
      .update(uploads)
      .set({ patchLeaseUntil: sql`now() - interval '1 second'` })
      .where(eq(uploads.videoId, videoId));
    expect(await b.append(owner, videoId, 0, body(clip.subarray(0, third)))).toMatchObject({ offset: third });

    rest.open();
    expect(await slow).toMatchObject({ ok: false, error: { status: 409, code: 'upload_busy' } });
    expect((await b.state(owner, videoId)).offset).toBe(third);
    expect(await b.append(owner, videoId, third, body(clip.subarray(third)))).toMatchObject({
      offset: clip.length,
    });
    expect((await source(videoId))?.equals(clip)).toBe(true);
  });

  /** `media` with its local directories counted: on S3 each is a whole copy of what it loads. */
  function countingCopies(media: MediaStorage): { media: MediaStorage; copies: () => number } {
    let copies = 0;
    const localDirectory: MediaStorage['localDirectory'] = (prefix, options) => {
      copies += 1;
      return media.localDirectory(prefix, options);
    };
    const counting = new Proxy(media, {
      get: (target, name) => (name === 'localDirectory' ? localDirectory : Reflect.get(target, name)),
    });
    return { media: counting, copies: () => copies };
  }

  it('probes the finished upload where it is: no local copy, even with the MP4 index at its end', async () => {
    // ffmpeg's MP4 muxer writes the index (moov) after the media data unless asked for faststart.
    const big = readFileSync(
      await makeClip(join(dataDir, `moov-last-${randomUUID()}.mp4`), { seconds: 20, size: '640x360' }),
    );
    expect(big.indexOf('moov')).toBeGreaterThan(big.indexOf('mdat'));
    const { media, copies } = countingCopies(storage());
    const writer = replica({ media });
    const owner = await caller();
    const { videoId } = await writer.create(owner, big.length, metadata);
    expect(await writer.append(owner, videoId, 0, body(big))).toMatchObject({ offset: big.length });
    expect((await new VideosRepository(backends.database.db).find(videoId))?.status).toBe('uploaded');
    // The filesystem's directory is the storage itself, so counting it costs nothing there.
    if (kind === 's3') expect(copies()).toBe(0);
    expect((await source(videoId))?.equals(big)).toBe(true);

    // A refusal is confirmed on a local copy: a store's failed request looks the same to ffprobe.
    const text = Buffer.from('not a video at all\n'.repeat(100));
    const refused = await writer.create(owner, text.length, metadata);
    const answer = await settle(writer.append(owner, refused.videoId, 0, body(text)));
    expect(answer).toMatchObject({ ok: false, error: { status: 422, code: 'not_a_video' } });
    expect(await source(refused.videoId)).toBeUndefined();
  });

  /** Polls the committed offset until it reaches `bytes`; how long that took, or a throw after `deadlineMs`. */
  async function committedWithin(videoId: string, bytes: number, deadlineMs: number): Promise<number> {
    const start = Date.now();
    while ((await readUpload(videoId))?.offset !== bytes) {
      if (Date.now() - start > deadlineMs) {
        throw new Error(
          `offset ${(await readUpload(videoId))?.offset} still not ${bytes} after ${deadlineMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return Date.now() - start;
  }

  it(`commits what an open PATCH received within ${COMMIT_EVERY.ms} ms, while its client stalls`, async () => {
    // Lease renewals every 20 s: whatever is committed within the test is the commit rule's doing.
    const writer = replica({ writerLeaseMs: 60_000 });
    const owner = await caller();
    const { videoId } = await writer.create(owner, clip.length, metadata);
    const half = Math.floor(clip.length / 2);
    const rest = gate();
    const patch = patchStallingAtHalf(writer, owner, videoId, rest);
    // A crash now would lose at most what arrived in the last period: the committed offset catches up.
    const lag = await committedWithin(videoId, half, COMMIT_EVERY.ms + 5_000);
    expect(lag).toBeLessThan(COMMIT_EVERY.ms + 1_500);
    expect((await readUpload(videoId))?.patchOwner).not.toBeNull();
    rest.open();
    expect(await patch).toMatchObject({ ok: true, value: { offset: clip.length } });
    expect((await source(videoId))?.equals(clip)).toBe(true);
  });

  it('commits at once every so many bytes, without waiting for the timer', async () => {
    const writer = replica({ writerLeaseMs: 60_000, commitEvery: { ms: 60_000, bytes: 64 * 1024 } });
    const owner = await caller();
    const length = 1024 * 1024;
    const { videoId } = await writer.create(owner, length, metadata);
    const rest = gate();
    const patch = settle(
      writer.append(
        owner,
        videoId,
        0,
        body(Buffer.alloc(200 * 1024, 1), { bytes: Buffer.alloc(10, 2), after: rest.opened }),
      ),
    );
    // 200 KiB arrived in 64 KiB steps or coarser: the last commit holds at least 3 × 64 KiB.
    const deadline = Date.now() + 10_000;
    while (((await readUpload(videoId))?.offset ?? 0) < 3 * 64 * 1024 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await readUpload(videoId))?.offset).toBeGreaterThanOrEqual(3 * 64 * 1024);
    rest.open();
    // The end of the PATCH commits the rest.
    expect(await patch).toMatchObject({ ok: true, value: { offset: 200 * 1024 + 10 } });
    expect((await readUpload(videoId))?.offset).toBe(200 * 1024 + 10);
  });

  /** `media`, with the upload writers it opens counting their syncs. */
  function countingSyncs(media: MediaStorage): { media: MediaStorage; syncs: () => number } {
    let syncs = 0;
    const openUpload: MediaStorage['openUpload'] = async (key, offset) => {
      const writer = await media.openUpload(key, offset);
      return {
        append: (bytes) => writer.append(bytes),
        sync: () => {
          syncs += 1;
          return writer.sync();
        },
        close: (options) => writer.close(options),
      };
    };
    const counting = new Proxy(media, {
      get: (target, name) => (name === 'openUpload' ? openUpload : Reflect.get(target, name)),
    });
    return { media: counting, syncs: () => syncs };
  }

  it('syncs a fast PATCH once per commitEvery.bytes, however far the durable offset trails', async () => {
    // On S3 the durable offset trails by the part being filled and those on their way (5 MiB parts).
    const { media, syncs } = countingSyncs(storage());
    const writer = replica({ media, commitEvery: { ms: 60_000, bytes: 8 * 1024 * 1024 } });
    const owner = await caller();
    const sent = 20 * 1024 * 1024;
    const { videoId } = await writer.create(owner, sent + 1024, metadata);
    const chunk = 64 * 1024;
    let offset = 0;
    const fast = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= sent) return controller.close();
        controller.enqueue(Buffer.alloc(chunk, offset / chunk));
        offset += chunk;
      },
    });
    expect(await writer.append(owner, videoId, 0, webStreamBody(fast))).toMatchObject({ offset: sent });
    // Two commits on the way, at 8 and 16 MiB (the close makes the rest durable without one); a third
    // would be the timer's.
    expect(syncs()).toBeLessThanOrEqual(3);
  });

  it('creates exactly one of concurrent uploads that together would pass the quota', async () => {
    const replicas = [replica({ quotaBytes: 1000 }), replica({ quotaBytes: 1000 })];
    const owner = await caller();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        settle((replicas[index % 2] as UploadsService).create(owner, 600, metadata)),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    for (const result of results.filter((result) => !result.ok)) {
      expect(result).toMatchObject({ error: { status: 413, code: 'video_quota_exceeded' } });
    }
    expect(await new VideosRepository(backends.database.db).bytesUsed(owner.userId)).toBe(600);
  });

  async function readUpload(videoId: string) {
    const [row] = await backends.database.db.select().from(uploads).where(eq(uploads.videoId, videoId));
    return row;
  }
});
