/**
 * Live thumbnails: while a session is playable, every interval the newest segment's first frame
 * (segments start on a keyframe) becomes the object `live/<playbackId>/thumbnail.jpg`, resized by sharp.
 * Reading finished segments in the session's local directory costs one short ffmpeg run and never
 * touches the publisher's connection. An LL-HLS fMP4 segment is read after its init section; its parts
 * are skipped (only the first of a segment starts on a keyframe).
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import sharp from 'sharp';
import { runFfmpeg } from '../ffmpeg/run.ts';
import type { LiveManager, LiveSessionView } from './live-manager.ts';

const WIDTH = 640;
const HEIGHT = 360;

// LL-HLS names (media-node/src/live/llhls/rendition-packager.ts): `720p-000012.p0.m4s` is a part,
// `720p-000012.m4s` a segment, `720p-init-000010.mp4` the init section of the run from segment 10 on.
const LL_PART = /\.p\d+\.m4s$/;
const LL_SEGMENT = /^(.*)-(\d{6})\.m4s$/;
const LL_INIT = /^(.*)-init-(\d{6})\.mp4$/;

/** The init section an fMP4 segment needs: its rendition's newest one from at or before the segment. */
async function initSectionFor(segmentPath: string): Promise<string | undefined> {
  const dir = dirname(segmentPath);
  const match = LL_SEGMENT.exec(basename(segmentPath));
  if (!match) return undefined;
  const [, rendition, msn] = match;
  let best: { name: string; msn: number } | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const init = LL_INIT.exec(name);
    if (!init || init[1] !== rendition || Number(init[2]) > Number(msn)) continue;
    if (!best || Number(init[2]) > best.msn) best = { name, msn: Number(init[2]) };
  }
  return best && join(dir, best.name);
}

/** The most recently written segment anywhere under the session's output directory. */
async function newestSegment(outputDir: string): Promise<string | undefined> {
  const entries = await readdir(outputDir, { recursive: true }).catch(() => [] as string[]);
  let newest: { path: string; mtime: number } | undefined;
  for (const entry of entries) {
    if (!entry.endsWith('.ts') && !entry.endsWith('.m4s')) continue;
    if (LL_PART.test(entry)) continue;
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
  const joined = join(outputDir, `.thumbnail-${process.pid}.mp4`);
  try {
    let input = segment;
    if (segment.endsWith('.m4s')) {
      const init = await initSectionFor(segment);
      if (!init) return false;
      await writeFile(joined, Buffer.concat([await readFile(init), await readFile(segment)]));
      input = joined;
    }
    const exit = await runFfmpeg(ffmpegPath, {
      inputOptions: ['-hide_banner', '-loglevel', 'error', '-nostdin'],
      input,
      outputOptions: ['-frames:v', '1', '-f', 'image2', '-c:v', 'png', '-y'],
      output: frame,
    }).exited;
    if (exit.code !== 0) return false;
    const jpeg = await sharp(frame).resize(WIDTH, HEIGHT, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
    await media.write(mediaKeys.liveThumbnail(session.playbackId), jpeg, { contentType: 'image/jpeg' });
    return true;
  } finally {
    await rm(frame, { force: true });
    await rm(joined, { force: true });
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
