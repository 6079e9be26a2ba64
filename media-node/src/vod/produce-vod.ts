/**
 * Every file of a processed video, produced in a fresh work directory and moved into the output
 * directory only once all of them exist: the HLS ladder, the poster and the storyboard.
 */
import { join } from 'node:path';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import { writePoster } from './poster.ts';
import { writeStoryboard } from './storyboard.ts';
import { type TranscodeOptions, transcodeToHls } from './transcode.ts';
import type { VideoRendition } from './video-processing-store.ts';
import { discardWorkDir, openWorkDir, publishWorkDir, recordFfmpegPid } from './work-dir.ts';

export interface ProduceVodOptions extends Omit<TranscodeOptions, 'onProgress' | 'onSpawn' | 'outputDir'> {
  /** The local directory of the video's prefix (`vod/<videoId>`), from the media storage. */
  output: LocalDirectory;
  /** The storage, to replace the outputs of an earlier run. */
  media: Pick<MediaStorage, 'list' | 'delete'>;
  /** Overall percent (transcode up to 95, then poster and storyboard), increasing, about once a second. */
  onProgress?: (percent: number) => void;
}

/** Share of the progress bar the transcode fills; poster and storyboard take the rest. */
const TRANSCODE_SHARE = 95;

export async function produceVod(options: ProduceVodOptions): Promise<VideoRendition[]> {
  const { probe } = options;
  if (!probe.video) throw new Error('The probe found no video stream');
  const workDir = await openWorkDir(options.output.path);
  try {
    const renditions = await transcodeToHls({
      ffmpegPath: options.ffmpegPath,
      input: options.input,
      outputDir: workDir,
      probe,
      settings: options.settings,
      signal: options.signal,
      progressIntervalMs: options.progressIntervalMs,
      onSpawn: (pid) => void recordFfmpegPid(workDir, pid).catch(() => undefined),
      onProgress: (percent) => options.onProgress?.(Math.floor((percent * TRANSCODE_SHARE) / 100)),
    });
    await writePoster({
      ffmpegPath: options.ffmpegPath,
      input: options.input,
      durationMs: probe.durationMs,
      outputDir: workDir,
      signal: options.signal,
    });
    options.onProgress?.(97);
    const lowest = renditions.at(-1);
    await writeStoryboard({
      ffmpegPath: options.ffmpegPath,
      // Decoding the smallest rendition costs a fraction of decoding the source again.
      input: lowest ? join(workDir, lowest.playlist) : options.input,
      durationMs: probe.durationMs,
      width: probe.video.width,
      height: probe.video.height,
      outputDir: workDir,
      signal: options.signal,
    });
    options.signal?.throwIfAborted();
    await publishWorkDir(workDir, options.output, options.media);
    options.onProgress?.(100);
    return renditions;
  } catch (error) {
    await discardWorkDir(workDir);
    throw error;
  }
}
