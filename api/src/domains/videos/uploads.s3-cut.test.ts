import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VideoSchema } from '@streamhub/contracts/videos';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { readMediaBytes } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { nodeRemoteAddress, serveOnNode } from '../../server/node.ts';
import type { RunningServer } from '../../server/types.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { encodeUploadMetadata } from './tus.ts';

const TUS = { 'Tus-Resumable': '1.0.0' };
const MiB = 1024 * 1024;

/**
 * tus PATCHes cut off mid-way on S3, over real HTTP: two gateway replicas (each its own app, storage
 * instance and scratch directory; one database, one s3rver bucket) with a real clip and ffprobe. The
 * S3 writer streams each part to the store while the PATCH arrives, so a cut lands inside a streamed
 * part; the offset HEAD answers afterwards must be one the stored bytes back, and the upload resumed
 * from it on the other replica must be the file, byte for byte.
 */
describe('tus uploads on S3 cut off mid-PATCH', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-uploads-s3-'));
  let s3: TestS3Server;
  let backends: TestBackends;
  const replicas: { app: GatewayApp; server: RunningServer; base: string }[] = [];
  let owner: SignedInUser;
  /** 13 MiB the gateway accepts as a video: a short MP4 clip, then random bytes. */
  let file: Buffer;

  beforeAll(async () => {
    s3 = await startTestS3Server();
    backends = await createTestBackends();
    await backends.jobs.start({
      'email.send': async () => {},
      'notifications.deliver': async () => {},
      'video.process': async () => {},
      'webhook.deliver': async () => {},
    });
    for (const name of ['a', 'b']) {
      const deps = backends.deps(
        {
          STREAMHUB_DATA_DIR: mkdtempSync(join(dataDir, `replica-${name}-`)),
          VIDEO_MAX_BYTES: String(64 * MiB),
          VIDEO_QUOTA_BYTES: String(1024 * MiB),
          MEDIA_STORAGE: 's3',
          S3_ENDPOINT: s3.endpoint,
          S3_BUCKET: s3.bucket,
          S3_PREFIX: 'uploads-cut',
          S3_FORCE_PATH_STYLE: 'true',
          S3_ACCESS_KEY_ID: 'S3RVER',
          S3_SECRET_ACCESS_KEY: 'S3RVER',
        },
        { remoteAddress: nodeRemoteAddress },
      );
      const { app } = createApp(deps);
      const server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
      replicas.push({ app, server, base: `http://127.0.0.1:${server.port}` });
    }
    owner = await registerAndLogin((replicas[0] as { app: GatewayApp }).app, backends);
    const clip = readFileSync(
      await makeClip(join(dataDir, 'clip.mp4'), { seconds: 2, size: '160x90', rate: 10, audio: false }),
    );
    file = Buffer.concat([clip, randomBytes(13 * MiB - clip.length)]);
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.server.close();
    await backends?.close();
    await s3?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const base = (replica: 0 | 1) => (replicas[replica] as { base: string }).base;

  async function create(): Promise<{ path: string; videoId: string }> {
    const response = await fetch(`${base(0)}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        Authorization: owner.authorization,
        'Upload-Length': String(file.length),
        'Upload-Metadata': encodeUploadMetadata({ title: 'Cut', filename: 'cut.mp4' }),
      },
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const path = response.headers.get('location') ?? '';
    return { path, videoId: path.split('/').at(-1) ?? '' };
  }

  const offsetOn = async (replica: 0 | 1, path: string) => {
    const response = await fetch(`${base(replica)}${path}`, {
      method: 'HEAD',
      headers: { ...TUS, Authorization: owner.authorization },
    });
    expect(response.status).toBe(200);
    return Number(response.headers.get('upload-offset'));
  };

  /**
   * A PATCH on replica A that announces the rest of the file, sends `sent` bytes, waits for `until`, then
   * drops the connection. Resolves once the connection is gone.
   */
  function cutPatch(path: string, sent: number, until: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const req = httpRequest(`${base(0)}${path}`, {
        method: 'PATCH',
        headers: {
          ...TUS,
          Authorization: owner.authorization,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': '0',
          'Content-Length': String(file.length),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(file.subarray(0, sent), () => {
        void until().finally(() => req.destroy());
      });
    });
  }

  /** Polls replica B's HEAD until the committed offset passes `atLeast` (the gateway holds those bytes). */
  async function committedAtLeast(path: string, atLeast: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await offsetOn(1, path)) < atLeast) {
      if (Date.now() > deadline) throw new Error(`the offset never reached ${atLeast}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What a tus client does after a cut: HEAD, then PATCH the rest on replica B, retrying while busy. */
  async function resumeOnB(path: string, offset: number): Promise<Response> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${base(1)}${path}`, {
        method: 'PATCH',
        headers: {
          ...TUS,
          Authorization: owner.authorization,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': String(offset),
        },
        body: file.subarray(offset),
      });
      if (response.status !== 409 || Date.now() > deadline) return response;
      expect((await response.json()) as unknown).toMatchObject({ code: 'upload_busy' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function expectUploaded(videoId: string): Promise<void> {
    const response = await fetch(`${base(1)}/api/v1/videos/${videoId}`, {
      headers: { Authorization: owner.authorization },
    });
    expect(VideoSchema.parse(await response.json())).toMatchObject({
      status: 'uploaded',
      sourceBytes: file.length,
    });
    // Read back from the bucket by a storage instance of its own.
    const storage = createMediaStorage({
      dataDir,
      storage: { kind: 's3', ...s3.settings, bucket: s3.bucket, prefix: 'uploads-cut' },
      db: backends.database.db,
    });
    const stored = await readMediaBytes(storage, mediaKeys.vodSource(videoId));
    expect(stored?.equals(file)).toBe(true);
  }

  it('keeps the bytes of a streamed part the client stalled in, and resumes from them on another replica', async () => {
    const { path, videoId } = await create();
    // Parts of this PATCH: 5 MiB, then 8 MiB to its end (5 + 3 would leave a tail). The client stops 3 MiB
    // into the second part, which is on its way to the store; the stalled client's bytes are committed
    // (stored as a tail object) before the connection drops.
    await cutPatch(path, 8 * MiB, () => committedAtLeast(path, 8 * MiB));
    expect(await offsetOn(1, path)).toBe(8 * MiB);
    const rest = await resumeOnB(path, 8 * MiB);
    expect(rest.status, await rest.clone().text()).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(file.length));
    await expectUploaded(videoId);
  });

  it('leaves a consistent offset when the connection drops inside a streamed part, with nothing committed after', async () => {
    const { path, videoId } = await create();
    // Cut 2 MiB into the second part, as soon as the first is committed: the offset lands wherever the
    // bytes that reached the gateway end, at or past the first part.
    await cutPatch(path, 7 * MiB, () => committedAtLeast(path, 5 * MiB));
    const offset = await offsetOn(0, path);
    expect(offset).toBeGreaterThanOrEqual(5 * MiB);
    expect(offset).toBeLessThanOrEqual(7 * MiB);
    const rest = await resumeOnB(path, offset);
    expect(rest.status, await rest.clone().text()).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(file.length));
    await expectUploaded(videoId);
  });
});
