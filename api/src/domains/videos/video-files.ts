/**
 * Where a video's files live under `<dataDir>/media`: the tus upload in progress, the accepted source and
 * the processed HLS output. The one place that turns a video id into a path; ids are uuids, checked here.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class VideoFiles {
  constructor(private readonly dataDir: string) {}

  get uploadsDir(): string {
    return join(this.dataDir, 'media', 'uploads');
  }

  /** The bytes of an upload in progress; its size is the tus offset. */
  uploadPath(videoId: string): string {
    return join(this.uploadsDir, checked(videoId));
  }

  /** Source, HLS ladder, poster and storyboard of one video. */
  videoDir(videoId: string): string {
    return join(this.dataDir, 'media', 'vod', checked(videoId));
  }

  /** The accepted upload, without its extension: ffprobe reads the content, not the name. */
  sourcePath(videoId: string): string {
    return join(this.videoDir(videoId), 'source');
  }

  /** A recorded broadcast's files, where the live pipeline left them: the source of its video. */
  recordingDir(playbackId: string): string {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(playbackId)) throw new RangeError(`Unsafe playback id: ${playbackId}`);
    return join(this.dataDir, 'media', 'live', playbackId);
  }

  /** A recorded broadcast's master playlist. */
  recordingSource(playbackId: string): string {
    return join(this.recordingDir(playbackId), 'master.m3u8');
  }

  /**
   * Every file of the video, the partial upload included, and for a recording the broadcast's own files
   * too (its video is the only way left to them). Missing ones are fine (deletion is retried).
   */
  async removeAll(videoId: string, recordingPlaybackId?: string | null): Promise<void> {
    await rm(this.uploadPath(videoId), { force: true });
    await rm(this.videoDir(videoId), { recursive: true, force: true });
    if (recordingPlaybackId) {
      // Retries cover a straggling write of the live pipeline (ENOTEMPTY).
      await rm(this.recordingDir(recordingPlaybackId), {
        recursive: true,
        force: true,
        maxRetries: 3,
        retryDelay: 100,
      });
    }
  }
}

function checked(videoId: string): string {
  if (!UUID.test(videoId)) throw new RangeError(`Not a video id: ${JSON.stringify(videoId)}`);
  return videoId.toLowerCase();
}
