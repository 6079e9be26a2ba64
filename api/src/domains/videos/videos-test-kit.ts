/** Test helpers of the videos domain: videos in a given state, made through the real repository and store. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoVisibility } from '@streamhub/contracts/videos';
import { videos } from '@streamhub/db/schema/videos';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { eq } from 'drizzle-orm';
import type { GatewayDeps } from '../../deps.ts';
import type { SignedInUser } from '../../testing/auth-helpers.ts';
import type { TestBackends } from '../../testing/test-deps.ts';
import { VideosRepository } from './videos.repository.ts';

export interface VideoFields {
  title?: string;
  description?: string;
  tags?: string[];
  category?: string;
  visibility?: VideoVisibility;
  channelId?: string | null;
  viewCount?: number;
}

export const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n';
export const VARIANT =
  '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.0,\n360p/seg_000.ts\n#EXT-X-ENDLIST\n';

/** A video whose upload finished (status `uploaded`), as the uploads service leaves it. */
export async function uploadedVideo(
  backends: TestBackends,
  owner: SignedInUser,
  fields: VideoFields = {},
): Promise<string> {
  const repository = new VideosRepository(backends.database.db);
  const { video } = await repository.createUpload(
    {
      ownerId: owner.account.id,
      channelId: fields.channelId ?? null,
      title: fields.title ?? 'A video',
      description: fields.description ?? '',
      tags: fields.tags ?? [],
      category: fields.category ?? 'other',
      visibility: fields.visibility ?? 'public',
    },
    { length: 1000, filename: null, expiresAt: new Date(Date.now() + 3600_000) },
  );
  await repository.completeUpload(video.id, 1000);
  if (fields.viewCount !== undefined) {
    await backends.database.db
      .update(videos)
      .set({ viewCount: fields.viewCount })
      .where(eq(videos.id, video.id));
  }
  return video.id;
}

/**
 * A ready video with a tiny HLS output on disk (master, one variant, one segment, poster, storyboard),
 * made ready through the processing store, as the `video.process` job does.
 */
export async function readyVideo(
  backends: TestBackends,
  deps: GatewayDeps,
  owner: SignedInUser,
  fields: VideoFields = {},
): Promise<string> {
  const id = await uploadedVideo(backends, owner, fields);
  const job = await deps.services.videos.begin(id);
  if (!job) throw new Error('begin() found no video');
  const dir = mediaPaths(deps.config.dataDir).video(id);
  mkdirSync(join(dir, '360p'), { recursive: true });
  writeFileSync(join(dir, 'master.m3u8'), MASTER);
  writeFileSync(join(dir, '360p.m3u8'), VARIANT);
  writeFileSync(join(dir, '360p', 'seg_000.ts'), Buffer.alloc(188 * 4, 0x47));
  writeFileSync(join(dir, 'poster.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  writeFileSync(join(dir, 'storyboard.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  writeFileSync(
    join(dir, 'storyboard.vtt'),
    'WEBVTT\n\n00:00.000 --> 00:04.000\nstoryboard.jpg#xywh=0,0,160,90\n',
  );
  await deps.services.videos.ready(id, {
    durationMs: 4000,
    width: 640,
    height: 360,
    renditions: [
      { playlist: '360p.m3u8', width: 640, height: 360, bandwidth: 800_000, codecs: 'avc1.64001e,mp4a.40.2' },
    ],
  });
  return id;
}
