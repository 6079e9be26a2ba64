/**
 * Live thumbnails: while a session is playable, every interval the newest segment's first frame
 * (segments start on a keyframe) becomes the object `live/<playbackId>/thumbnail.jpg`, resized by sharp.
 * Reading finished segments in the session's local directory costs one short ffmpeg run and never
 * touches the publisher's connection.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import sharp from 'sharp';
import { runFfmpeg } from '../ffmpeg/run.ts';
import type { LiveManager, LiveSessionView } from './live-manager.ts';

const WIDTH = 640;
const HEIGHT = 360;

/** The most recently written segment anywhere under the session's output directory. */
async function newestSegment(outputDir: string): Promise<string | undefined> {
  const entries = await readdir(outputDir, { recursive: true }).catch(() => [] as string[]);
  let newest: { path: string; mtime: number } | undefined;
  for (const entry of entries) {
    if (!entry.endsWith('.ts') && !entry.endsWith('.m4s')) continue;
    const path = join(outputDir, entry);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: 0 }));
    if (!newest || mtimeMs > newest.mtime) newest = { path, mtime: mtimeMs };
  }
  return newest?.path;
}

/**
 * Stores one thumbnail for the session whose ffmpeg writes into `outputDir`; resolves false when there was
 * nothing to take it from.
 */
export async function takeThumbnail(
  ffmpegPath: string,
  media: MediaStorage,
  session: Pick<LiveSessionView, 'outputDir' | 'playbackId'>,
): Promise<boolean> {
  const { outputDir } = session;
  const segment = await newestSegment(outputDir);
  if (!segment) return false;
  const frame = join(outputDir, `.thumbnail-${process.pid}.png`);
  try {
    const exit = await runFfmpeg(ffmpegPath, {
      inputOptions: ['-hide_banner', '-loglevel', 'error', '-nostdin'],
      input: segment,
      outputOptions: ['-frames:v', '1', '-f', 'image2', '-c:v', 'png', '-y'],
      output: frame,
    }).exited;
    if (exit.code !== 0) return false;
    const jpeg = await sharp(frame).resize(WIDTH, HEIGHT, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
    await media.write(mediaKeys.liveThumbnail(session.playbackId), jpeg, { contentType: 'image/jpeg' });
    return true;
  } finally {
    await rm(frame, { force: true });
  }
}

/** Keeps every playable session's thumbnail fresh until the session ends. */
export function startLiveThumbnails(
  manager: Pick<LiveManager, 'on'>,
  options: { ffmpegPath: string; media: MediaStorage; intervalMs: number; logger: Logger },
): { stop(): void } {
  const timers = new Map<string, NodeJS.Timeout>();
  const take = (session: LiveSessionView) =>
    takeThumbnail(options.ffmpegPath, options.media, session).catch((error: unknown) =>
      options.logger.warn({ err: error, playbackId: session.playbackId }, 'live thumbnail failed'),
    );
  manager.on('playable', (session) => {
    if (timers.has(session.sessionId)) return;
    void take(session);
    timers.set(
      session.sessionId,
      setInterval(() => void take(session), options.intervalMs),
    );
  });
  manager.on('sessionEnded', (session) => {
    clearInterval(timers.get(session.sessionId));
    timers.delete(session.sessionId);
  });
  return {
    stop: () => {
      for (const timer of timers.values()) clearInterval(timer);
      timers.clear();
    },
  };
}
