/**
 * Transcodes a source to the VOD HLS ladder with one ffmpeg process and reads back what it wrote: the
 * renditions as the master playlist lists them (bandwidth and codecs as ffmpeg computed them).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion } from './ffmpeg-process.ts';
import type { MediaProbe } from './probe.ts';
import { throttleProgress } from './progress-throttle.ts';
import type { VideoRendition } from './video-processing-store.ts';
import {
  buildVodTranscodeArgs,
  DEFAULT_VOD_LADDER,
  MASTER_PLAYLIST,
  type VodLadderSettings,
  type VodSource,
} from './vod-ladder.ts';

export interface TranscodeOptions {
  ffmpegPath: string;
  /** The source file (or a recording's playlist). */
  input: string;
  /** Where playlists and segments go; the caller makes it fresh (see `work-dir.ts`). */
  outputDir: string;
  probe: MediaProbe;
  settings?: VodLadderSettings;
  /** Percent of the source transcoded, increasing, at most about once per second, 100 at the end. */
  onProgress?: (percent: number) => void;
  /** Kills ffmpeg; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The ffmpeg pid, once it runs. */
  onSpawn?: (pid: number) => void;
  /** Minimum time between progress reports (tests); defaults to 1 s. */
  progressIntervalMs?: number;
}

/** The probe's view of the source as the ladder planner needs it. */
export function vodSourceOf(probe: MediaProbe): VodSource {
  if (!probe.video) throw new Error('The probe found no video stream');
  return {
    width: probe.video.width,
    height: probe.video.height,
    fps: probe.video.fps,
    hasAudio: probe.audio !== undefined,
  };
}

/** Runs the ladder; resolves to the renditions listed in `master.m3u8`, highest first. */
export async function transcodeToHls(options: TranscodeOptions): Promise<VideoRendition[]> {
  const { probe } = options;
  const argv = buildVodTranscodeArgs({
    input: options.input,
    outputDir: options.outputDir,
    source: vodSourceOf(probe),
    settings: options.settings ?? DEFAULT_VOD_LADDER,
    progress: true,
  });
  const throttle = throttleProgress((percent) => options.onProgress?.(percent), options.progressIntervalMs);
  await runToCompletion(options.ffmpegPath, argv, {
    signal: options.signal,
    onSpawn: options.onSpawn,
    onProgress: (outTimeMs) => {
      if (outTimeMs !== undefined && probe.durationMs > 0)
        throttle.update((outTimeMs / probe.durationMs) * 100);
    },
  });
  const renditions = parseMasterPlaylist(await readFile(join(options.outputDir, MASTER_PLAYLIST), 'utf8'));
  if (renditions.length === 0) throw new Error('ffmpeg wrote a master playlist without variants');
  throttle.finish();
  return renditions;
}

/** The variants of a master playlist (`#EXT-X-STREAM-INF` + URI line pairs), highest bandwidth first. */
export function parseMasterPlaylist(text: string): VideoRendition[] {
  const renditions: VideoRendition[] = [];
  let pending: Omit<VideoRendition, 'playlist'> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
      const [width, height] = (attributes.RESOLUTION ?? '').split('x').map(Number);
      pending = {
        width: width ?? 0,
        height: height ?? 0,
        bandwidth: Number(attributes.BANDWIDTH ?? 0),
        codecs: attributes.CODECS ?? '',
      };
    } else if (pending && line.length > 0 && !line.startsWith('#')) {
      renditions.push({ playlist: line, ...pending });
      pending = undefined;
    }
  }
  return renditions.sort((a, b) => b.bandwidth - a.bandwidth);
}

/** `BANDWIDTH=1,CODECS="a,b"` → `{ BANDWIDTH: '1', CODECS: 'a,b' }` (quoted values may hold commas). */
function parseAttributes(list: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined) attributes[key] = value.replace(/^"|"$/g, '');
  }
  return attributes;
}
