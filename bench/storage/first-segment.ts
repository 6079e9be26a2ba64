/**
 * Publish → first playable segment on one media storage: the real media node (in this process), a
 * synthetic 640×360 stream pushed over RTMP by ffmpeg, and a viewer's view through the storage the
 * gateway reads: the master playlist, its variant naming a segment, and that segment, all readable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import type { Db } from '@streamhub/db/client';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { readMediaBytes } from '@streamhub/infra/media-storage/port';
import type { TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { createLogger } from '@streamhub/logger/logger';
import { startMediaNode } from '@streamhub/media-node/media-node';
import { InMemoryPublishGate } from '@streamhub/media-node/testing/in-memory-publish-gate';
import { killPublishers, startPublisher, waitFor } from '@streamhub/media-node/testing/process-helpers';

export type StorageKind = 'fs' | 's3';

export async function firstPlayableSeconds(kind: StorageKind, s3: TestS3Server, db: Db): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-bench-storage-'));
  const env: Record<string, string> = {
    STREAMHUB_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LIVE_LADDER: '360',
    LIVE_SEGMENT_SECONDS: '1',
    LIVE_X264_PRESET: 'ultrafast',
  };
  if (kind === 's3') {
    Object.assign(env, {
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_PREFIX: `first-${Date.now()}`,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  }
  const config = loadConfig(env, { envFile: false });
  const media = createMediaStorage({ dataDir, storage: config.mediaStorage, db });
  const gate = new InMemoryPublishGate();
  const node = await startMediaNode({
    config: { ...config, media: { ...config.media, rtmpPort: 0 } },
    logger: createLogger({ level: 'silent', name: 'bench' }),
    gate,
    media,
  });
  try {
    const key = gate.addKey();
    const started = performance.now();
    startPublisher(`rtmp://127.0.0.1:${node.rtmpPort}/live/${key}`, 10, '640x360');
    const { playbackId } = await waitFor('a session', () => gate.issued[0], 20_000, 10);
    await waitFor(
      'a playable segment',
      async () => {
        const master = await readMediaBytes(media, mediaKeys.recordingMaster(playbackId));
        if (!master?.includes('360p.m3u8')) return false;
        const variant = (
          await readMediaBytes(media, mediaKeys.liveFile(playbackId, '360p.m3u8'))
        )?.toString();
        const segment = variant?.split('\n').find((line) => line.endsWith('.ts'));
        return (
          segment !== undefined && (await media.stat(mediaKeys.liveFile(playbackId, segment))) !== undefined
        );
      },
      30_000,
      20,
    );
    return (performance.now() - started) / 1000;
  } finally {
    killPublishers();
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
