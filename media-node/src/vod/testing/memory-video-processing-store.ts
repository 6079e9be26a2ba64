/**
 * A {@link VideoProcessingStore} kept in memory, with the same status rules as the content domain's:
 * `uploaded → processing (percent) → ready | failed`, deleted videos vanish. For tests of the job.
 */
import { mediaKeys, VOD_SOURCE } from '@streamhub/infra/media-storage/keys';
import type { ProcessedVideo, VideoProcessingStore, VideoToProcess } from '../video-processing-store.ts';

export type MemoryVideoStatus = 'uploaded' | 'processing' | 'ready' | 'failed';

export interface MemoryVideo {
  videoId: string;
  /** Where the job reads from: the uploaded source unless the video is a recording. */
  source: VideoToProcess['source'];
  status: MemoryVideoStatus;
  progress: number;
  failureReason: string | undefined;
  result: ProcessedVideo | undefined;
}

/** One call the job made, in order. */
export type StoreCall =
  | { call: 'begin'; videoId: string; found: boolean }
  | { call: 'progress'; videoId: string; percent: number }
  | { call: 'ready'; videoId: string; result: ProcessedVideo }
  | { call: 'failed'; videoId: string; reason: string };

export class MemoryVideoProcessingStore implements VideoProcessingStore {
  readonly videos = new Map<string, MemoryVideo>();
  readonly calls: StoreCall[] = [];

  /** @param onCall sees every call as it happens (e.g. to journal them across processes). */
  constructor(private readonly onCall?: (call: StoreCall) => void) {}

  /**
   * Registers a video: by default an uploaded one, whose source is `vod/<videoId>/source`; a recording
   * passes its broadcast's master playlist, as the videos domain does. The output goes to `vod/<videoId>/`.
   */
  add(videoId: string, source?: VideoToProcess['source']): MemoryVideo {
    const video: MemoryVideo = {
      videoId,
      source: source ?? { prefix: mediaKeys.vodPrefix(videoId), name: VOD_SOURCE, playlist: false },
      status: 'uploaded',
      progress: 0,
      failureReason: undefined,
      result: undefined,
    };
    this.videos.set(videoId, video);
    return video;
  }

  delete(videoId: string): void {
    this.videos.delete(videoId);
  }

  async begin(videoId: string): Promise<VideoToProcess | undefined> {
    const video = this.videos.get(videoId);
    this.record({ call: 'begin', videoId, found: video !== undefined });
    if (!video) return undefined;
    video.status = 'processing';
    video.progress = 0;
    video.failureReason = undefined;
    return { videoId, source: video.source, output: mediaKeys.vodPrefix(videoId) };
  }

  async progress(videoId: string, percent: number): Promise<void> {
    if (!(percent >= 0 && percent <= 100)) throw new RangeError(`progress must be 0–100, got ${percent}`);
    this.record({ call: 'progress', videoId, percent });
    const video = this.videos.get(videoId);
    if (video?.status === 'processing') video.progress = percent;
  }

  async ready(videoId: string, result: ProcessedVideo): Promise<void> {
    this.record({ call: 'ready', videoId, result });
    const video = this.videos.get(videoId);
    if (!video) return;
    video.status = 'ready';
    video.progress = 100;
    video.result = result;
  }

  async failed(videoId: string, reason: string): Promise<void> {
    this.record({ call: 'failed', videoId, reason });
    const video = this.videos.get(videoId);
    if (!video) return;
    video.status = 'failed';
    video.failureReason = reason;
  }

  private record(call: StoreCall): void {
    this.calls.push(call);
    this.onCall?.(call);
  }
}
