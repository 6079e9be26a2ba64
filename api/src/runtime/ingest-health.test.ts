/**
 * The studio's ingest health (`GET /api/v1/channels/{slug}/ingest`): a real ffmpeg publisher pushes RTMP
 * with a keyframe every 2 s to the media node wired as the runtimes wire it; the owner reads the codecs,
 * resolution, fps, bitrate and keyframe interval the node measured; anyone else is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelSchema, CreatedStreamKeySchema, IngestHealthSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createLogger } from '@streamhub/logger/logger';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import { publisherArgs, waitFor } from '@streamhub/media-node/testing/process-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { channelsPublishGate, recordIngestDetails } from './media-gate.ts';

const logger = createLogger({ level: 'silent', name: 'ingest-health-test' });
// 30 fps with a keyframe every 60 frames: 2 s, unlike the 1 s of the other tests' publisher.
const KEYFRAME_FRAMES = '60';

let backends: TestBackends;
let dataDir: string;
let app: GatewayApp;
let node: MediaNode;
let publisher: ChildProcess | undefined;

beforeAll(async () => {
  backends = await createTestBackends('pglite');
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-ingest-health-'));
  const deps = backends.deps({
    STREAMHUB_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LIVE_LADDER: '360',
    LIVE_SEGMENT_SECONDS: '1',
    LIVE_X264_PRESET: 'ultrafast',
  });
  app = createApp(deps).app;
  node = await startMediaNode({
    config: { ...deps.config, media: { ...deps.config.media, rtmpPort: 0 } },
    logger,
    gate: channelsPublishGate(deps.services.channels),
    media: createMediaStorage({ dataDir }),
    nodeId: `ingest-health-${crypto.randomUUID()}`,
    bitrateSampling: { firstMs: 2000, everyMs: 1000 },
  });
  recordIngestDetails(node, deps.services.channels, logger);
});
afterAll(async () => {
  publisher?.kill('SIGKILL');
  await node?.close();
  await backends.close();
  await rm(dataDir, { recursive: true, force: true });
});

const ingestOf = (slug: string, user?: SignedInUser) =>
  app.request(`/api/v1/channels/${slug}/ingest`, {
    headers: user ? { Authorization: user.authorization } : {},
  });

describe('ingest health (real RTMP + ffmpeg)', { timeout: 90_000 }, () => {
  it('shows the owner what the media node measures, nulls while offline, and nothing to anyone else', async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `health-${Math.random().toString(36).slice(2, 10)}`;
    const json = { Authorization: owner.authorization, 'Content-Type': 'application/json' };
    const created = await app.request('/api/v1/channels', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ slug, title: 'Health' }),
    });
    ChannelSchema.parse(await created.json());
    const key = CreatedStreamKeySchema.parse(
      await (
        await app.request(`/api/v1/channels/${slug}/keys`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: 'OBS' }),
        })
      ).json(),
    );

    const offline = await ingestOf(slug, owner);
    expect(offline.status).toBe(200);
    expect(offline.headers.get('cache-control')).toBe('no-store');
    expect(IngestHealthSchema.parse(await offline.json())).toEqual({
      live: false,
      startedAt: null,
      videoCodec: null,
      audioCodec: null,
      width: null,
      height: null,
      fps: null,
      bitrate: null,
      keyframeInterval: null,
    });

    const args = publisherArgs(`rtmp://127.0.0.1:${node.rtmpPort}/live/${key.secret}`, 40, '640x360');
    args[args.indexOf('-g') + 1] = KEYFRAME_FRAMES;
    publisher = spawn('ffmpeg', args, { stdio: 'ignore' });

    const health = await waitFor(
      'the bitrate and keyframe interval',
      async () => {
        const value = IngestHealthSchema.parse(await (await ingestOf(slug, owner)).json());
        return value.bitrate !== null && value.keyframeInterval !== null && value.width !== null
          ? value
          : undefined;
      },
      30_000,
      250,
    );
    expect(health).toMatchObject({
      live: true,
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 640,
      height: 360,
      fps: 30,
    });
    expect(health.keyframeInterval).toBeCloseTo(2, 1);
    expect(health.bitrate).toBeGreaterThan(50_000);
    expect(Date.parse(health.startedAt ?? '')).toBeLessThanOrEqual(Date.now());

    const stranger = await registerAndLogin(app, backends, { role: 'streamer' });
    const refused = await ingestOf(slug, stranger);
    expect(refused.status).toBe(403);
    expect(ProblemSchema.parse(await refused.json()).code).toBe('forbidden');
    expect((await ingestOf(slug)).status).toBe(401);
    expect((await ingestOf('no-such-channel', owner)).status).toBe(404);
  });
});
