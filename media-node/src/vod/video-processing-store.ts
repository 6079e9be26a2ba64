/**
 * The port through which the VOD processing job (media node or worker) reads and updates the video it
 * processes. The content domain's videos service implements it; the job never touches the database.
 */
import type { MediaPrefix } from '@streamhub/infra/media-storage/keys';

/** One HLS rendition (the same shape the content schema stores). */
export interface VideoRendition {
  /** Playlist file name inside the output directory, e.g. `720p.m3u8`. */
  playlist: string;
  width: number;
  height: number;
  /** Peak bits per second, as written to the master playlist. */
  bandwidth: number;
  codecs: string;
}

export interface VideoToProcess {
  videoId: string;
  /** The uploaded source (`vod/<videoId>/source`) or a recording's master playlist (`live/<playbackId>/master.m3u8`). */
  source: {
    prefix: MediaPrefix;
    name: string;
    /** A playlist: the segments it names, under the same prefix, are read too. */
    playlist: boolean;
  };
  /** Where the HLS ladder, poster and storyboard go (`vod/<videoId>`). */
  output: MediaPrefix;
}

export interface ProcessedVideo {
  durationMs: number;
  width: number;
  height: number;
  /** Highest first; the master playlist is `master.m3u8` in the output directory. */
  renditions: VideoRendition[];
}

export interface VideoProcessingStore {
  /** Marks the video `processing` at 0 %; undefined when it was deleted meanwhile (the job then ends quietly). */
  begin(videoId: string): Promise<VideoToProcess | undefined>;
  /** 0–100; called at most about once a second. */
  progress(videoId: string, percent: number): Promise<void>;
  /** Stores the result, marks the video `ready` and emits `video.ready`. */
  ready(videoId: string, result: ProcessedVideo): Promise<void>;
  /** Marks the video `failed` with a reason its owner can read, and emits `video.failed`. */
  failed(videoId: string, reason: string): Promise<void>;
}
