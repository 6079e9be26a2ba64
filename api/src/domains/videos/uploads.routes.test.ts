import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { VideoSchema } from '@streamhub/contracts/videos';
import { uploads } from '@streamhub/db/schema/videos';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { nodeRemoteAddress, serveOnNode } from '../../server/node.ts';
import type { RunningServer } from '../../server/types.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { encodeUploadMetadata } from './tus.ts';
import { VideosRepository } from './videos.repository.ts';

const TUS = { 'Tus-Resumable': '1.0.0' };
const QUOTA = 3 * 1024 * 1024;

// tus over a real HTTP server (Node), with a real ffmpeg clip and ffprobe; jobs recorded, not run.
describe('tus uploads', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-uploads-'));
  const files = mediaPaths(dataDir);
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let server: RunningServer;
  let base: string;
  let owner: SignedInUser;
  let clip: Buffer;
  const enqueued: string[] = [];

  beforeAll(async () => {
    backends = await createTestBackends();
    deps = backends.deps(
      {
        STREAMHUB_DATA_DIR: dataDir,
        VIDEO_MAX_BYTES: String(2 * 1024 * 1024),
        VIDEO_QUOTA_BYTES: String(QUOTA),
      },
      { remoteAddress: nodeRemoteAddress },
    );
    await backends.jobs.start({
      'email.send': async () => {},
      'webhook.deliver': async () => {},
      'notifications.deliver': async () => {},
      'video.process': async ({ videoId }) => {
        enqueued.push(videoId);
      },
    });
    app = createApp(deps).app;
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
    owner = await registerAndLogin(app, backends);
    clip = readFileSync(await makeClip(join(dataDir, 'clip.mp4'), { seconds: 3, size: '320x180', rate: 15 }));
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  async function create(
    user: SignedInUser,
    length: number,
    metadata: Record<string, string> = { title: 'Clip' },
  ) {
    return fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        Authorization: user.authorization,
        'Upload-Length': String(length),
        'Upload-Metadata': encodeUploadMetadata(metadata),
      },
    });
  }

  async function created(user: SignedInUser, length: number, metadata?: Record<string, string>) {
    const response = await create(user, length, metadata);
    expect(response.status, await response.clone().text()).toBe(201);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);
    return { url: `${base}${location}`, videoId: location.split('/').at(-1) ?? '' };
  }

  const head = (url: string, user = owner) =>
    fetch(url, { method: 'HEAD', headers: { ...TUS, Authorization: user.authorization } });

  const patch = (url: string, offset: number, body: Uint8Array, user = owner) =>
    fetch(url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        Authorization: user.authorization,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(offset),
      },
      body,
    });

  async function video(id: string) {
    const response = await fetch(`${base}/api/v1/videos/${id}`, {
      headers: { Authorization: owner.authorization },
    });
    return VideoSchema.parse(await response.json());
  }

  it('announces its capabilities', async () => {
    const response = await fetch(`${base}/api/v1/uploads`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('tus-version')).toBe('1.0.0');
    expect(response.headers.get('tus-extension')).toBe('creation,termination,expiration');
    expect(response.headers.get('tus-max-size')).toBe(String(2 * 1024 * 1024));
  });

  it('resumes an upload cut off mid-PATCH from the HEAD offset; the video is uploaded and queued', async () => {
    const { url, videoId } = await created(owner, clip.length, {
      title: 'Resumed clip',
      tags: 'Demo,Tus',
      visibility: 'unlisted',
      filename: 'clip.mp4',
    });
    const first = await head(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('upload-offset')).toBe('0');
    expect(first.headers.get('upload-length')).toBe(String(clip.length));
    expect(first.headers.get('upload-expires')).toBeTruthy();
    expect((await video(videoId)).status).toBe('uploading');

    // Announce the whole file, send half, then drop the connection.
    const half = Math.floor(clip.length / 2);
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'PATCH',
        headers: {
          ...TUS,
          Authorization: owner.authorization,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': '0',
          'Content-Length': String(clip.length),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(clip.subarray(0, half), async () => {
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && statSync(files.upload(videoId)).size < half) {
          await new Promise((r) => setTimeout(r, 20));
        }
        req.destroy();
      });
    });

    const resumed = await head(url);
    const offset = Number(resumed.headers.get('upload-offset'));
    expect(offset).toBe(half);
    const rest = await patch(url, offset, clip.subarray(offset));
    expect(rest.status, await rest.clone().text()).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(clip.length));

    const done = await video(videoId);
    expect(done).toMatchObject({
      status: 'uploaded',
      sourceBytes: clip.length,
      tags: ['demo', 'tus'],
      visibility: 'unlisted',
    });
    expect(readFileSync(files.source(videoId)).equals(clip)).toBe(true);
    expect(existsSync(files.upload(videoId))).toBe(false);
    const deadline = Date.now() + 5000;
    while (!enqueued.includes(videoId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(enqueued).toContain(videoId);
    // A client that lost the last answer learns the upload is complete.
    expect((await head(url)).headers.get('upload-offset')).toBe(String(clip.length));
  });

  it('refuses a text file named .mp4 with the reason, marks the video failed and removes the file', async () => {
    const text = Buffer.from('this is not a video at all, just words\n'.repeat(20));
    const { url, videoId } = await created(owner, text.length, { title: 'Fake', filename: 'fake.mp4' });
    const response = await patch(url, 0, text);
    expect(response.status).toBe(422);
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.code).toBe('not_a_video');
    expect(problem.detail).toMatch(/no video stream/i);
    expect(await video(videoId)).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/no video stream/i),
    });
    expect(existsSync(files.upload(videoId))).toBe(false);
    expect(existsSync(files.source(videoId))).toBe(false);
    expect(enqueued).not.toContain(videoId);
  });

  it('refuses files over VIDEO_MAX_BYTES and uploads past the quota at creation', async () => {
    const user = await registerAndLogin(app, backends);
    const tooLarge = await create(user, 2 * 1024 * 1024 + 1);
    expect(tooLarge.status).toBe(413);
    expect(ProblemSchema.parse(await tooLarge.json()).code).toBe('video_too_large');

    // In-progress uploads count against the quota.
    await created(user, 2 * 1024 * 1024);
    const over = await create(user, 1024 * 1024 + 1);
    expect(over.status).toBe(413);
    expect(ProblemSchema.parse(await over.json()).code).toBe('video_quota_exceeded');
    expect((await create(user, 1024 * 1024)).status).toBe(201);
  });

  it('checks offsets, types, versions, metadata and ownership', async () => {
    const { url } = await created(owner, 100);
    const mismatch = await patch(url, 10, new Uint8Array(5));
    expect(mismatch.status).toBe(409);
    expect(ProblemSchema.parse(await mismatch.json()).code).toBe('upload_offset_mismatch');

    const wrongType = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        Authorization: owner.authorization,
        'Content-Type': 'application/json',
        'Upload-Offset': '0',
      },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);

    const noVersion = await fetch(url, { method: 'HEAD', headers: { Authorization: owner.authorization } });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get('tus-version')).toBe('1.0.0');

    const other = await registerAndLogin(app, backends);
    expect((await head(url, other)).status).toBe(404);
    expect((await patch(url, 0, new Uint8Array(5), other)).status).toBe(404);
    expect((await fetch(url, { method: 'HEAD', headers: TUS })).status).toBe(401);

    const noTitle = await create(owner, 100, { filename: 'x.mp4' });
    expect(noTitle.status).toBe(422);
    expect(ProblemSchema.parse(await noTitle.json()).errors?.[0]?.path).toBe('header.upload-metadata.title');
    const badCategory = await create(owner, 100, { title: 'x', category: 'nope' });
    expect(badCategory.status).toBe(422);
    const garbled = await fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        Authorization: owner.authorization,
        'Upload-Length': '100',
        'Upload-Metadata': 'title ***',
      },
    });
    expect(garbled.status).toBe(400);
  });

  it('answers 409 upload_busy while another replica writes the upload', async () => {
    const { url, videoId } = await created(owner, 100);
    const elsewhere = crypto.randomUUID();
    await new VideosRepository(backends.database.db).claimUploadWriter(videoId, elsewhere, 60_000);
    const busy = await patch(url, 0, new Uint8Array(5));
    expect(busy.status).toBe(409);
    expect(busy.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(await busy.json()).code).toBe('upload_busy');
    expect((await head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('terminates an upload with its video and file', async () => {
    const { url, videoId } = await created(owner, 100);
    expect((await patch(url, 0, new Uint8Array(40))).status).toBe(204);
    const deleted = await fetch(url, {
      method: 'DELETE',
      headers: { ...TUS, Authorization: owner.authorization },
    });
    expect(deleted.status).toBe(204);
    expect(existsSync(files.upload(videoId))).toBe(false);
    expect((await fetch(`${base}/api/v1/videos/${videoId}`)).status).toBe(404);
    expect((await head(url)).status).toBe(404);
  });

  it('expires abandoned uploads: refused with 410 and swept with their video', async () => {
    const { url, videoId } = await created(owner, 100);
    const later = new Date(Date.now() + 25 * 3600_000);
    expect(await deps.services.uploads.sweepExpired(later)).toBeGreaterThanOrEqual(1);
    expect(existsSync(files.upload(videoId))).toBe(false);
    expect((await head(url)).status).toBe(404);

    const second = await created(owner, 100);
    writeFileSync(files.upload(second.videoId), Buffer.alloc(10));
    await backends.database.db
      .update(uploads)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(uploads.videoId, second.videoId));
    const expired = await patch(second.url, 10, new Uint8Array(5));
    expect(expired.status).toBe(410);
    expect(ProblemSchema.parse(await expired.json()).code).toBe('upload_expired');
    expect((await fetch(`${base}/api/v1/videos/${second.videoId}`)).status).toBe(404);
  });
});
