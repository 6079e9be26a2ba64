/**
 * Rules of resumable video uploads (the tus protocol's state, without its HTTP): size limit and quota at
 * creation, appending at the exact offset, probing the finished file, expiry of abandoned uploads.
 * Bytes go straight from the request stream to disk; the file's size is the upload's offset.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { UploadMetadata } from '@streamhub/contracts/videos';
import { AppError, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { NotAVideoError, probeMedia } from '@streamhub/media-node/vod/probe';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { VideoFiles } from './video-files.ts';
import type { VideosRepository } from './videos.repository.ts';
import { processJobId } from './videos.service.ts';

export interface UploadLimits {
  maxBytes: number;
  quotaBytes: number;
  expiryMs: number;
}

export interface UploadsServiceDeps {
  videos: VideosRepository;
  files: VideoFiles;
  channels: Pick<ChannelsService, 'mine'>;
  jobs: JobQueue<JobDefinitionsMap>;
  limits: UploadLimits;
  /** ffprobe binary, next to the configured ffmpeg. */
  ffprobePath: string;
  /** Removes a video with all its files (the videos service's `remove`). */
  removeVideo(videoId: string): Promise<void>;
}

export interface UploadState {
  videoId: string;
  offset: number;
  length: number;
  /** Unset once the upload is finished. */
  expiresAt: Date | undefined;
}

// How long a PATCH waits for an earlier one on the same upload to notice its client is gone.
const LOCK_WAIT_MS = 5_000;

export class UploadsService {
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly deps: UploadsServiceDeps) {}

  /** Creates the video (status `uploading`) and an empty upload of `length` bytes. */
  async create(caller: AuthContext, length: number, metadata: UploadMetadata): Promise<UploadState> {
    const { limits, videos, files } = this.deps;
    if (!Number.isSafeInteger(length) || length < 1) {
      throw validationFailed([
        { path: 'header.upload-length', message: 'must be a whole number of bytes ≥ 1' },
      ]);
    }
    if (length > limits.maxBytes) {
      throw new AppError(
        413,
        'video_too_large',
        `The file is ${length} bytes; videos may be at most ${limits.maxBytes} bytes.`,
      );
    }
    const used = await videos.bytesUsed(caller.userId);
    if (used + length > limits.quotaBytes) {
      throw new AppError(
        413,
        'video_quota_exceeded',
        `This upload needs ${length} bytes, but only ${Math.max(0, limits.quotaBytes - used)} of your ${limits.quotaBytes} bytes are free; delete videos to make room.`,
      );
    }
    const channelId = await this.deps.channels.mine(caller.userId).then(
      (channel) => channel.id,
      (error: unknown) => {
        if (error instanceof AppError && error.code === 'not_found') return null;
        throw error;
      },
    );
    const expiresAt = new Date(Date.now() + limits.expiryMs);
    const { video } = await videos.createUpload(
      {
        ownerId: caller.userId,
        channelId,
        title: metadata.title,
        description: metadata.description,
        tags: metadata.tags,
        category: metadata.category,
        visibility: metadata.visibility,
      },
      { length, filename: metadata.filename ?? null, expiresAt },
    );
    await mkdir(files.uploadsDir, { recursive: true });
    await (await open(files.uploadPath(video.id), 'w')).close();
    return { videoId: video.id, offset: 0, length, expiresAt };
  }

  /** Where the upload stands (tus HEAD). A finished upload reports its whole length. */
  async state(caller: AuthContext, videoId: string): Promise<UploadState> {
    const upload = await this.deps.videos.findUpload(videoId);
    if (!upload) {
      const video = await this.deps.videos.find(videoId);
      if (!video || video.ownerId !== caller.userId || video.sourceBytes === null) throw notFound('Upload');
      return { videoId, offset: video.sourceBytes, length: video.sourceBytes, expiresAt: undefined };
    }
    if (upload.ownerId !== caller.userId) throw notFound('Upload');
    await this.refuseExpired(videoId, upload.expiresAt);
    return {
      videoId,
      offset: await this.bytesOnDisk(videoId),
      length: upload.length,
      expiresAt: upload.expiresAt,
    };
  }

  /**
   * Appends `body` at `offset` (tus PATCH). Whatever arrived before the client went away stays on disk,
   * so the next PATCH continues from there. The last byte completes the upload: see {@link finish}.
   */
  async append(
    caller: AuthContext,
    videoId: string,
    offset: number,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<UploadState> {
    const upload = await this.deps.videos.findUpload(videoId);
    if (!upload || upload.ownerId !== caller.userId) throw notFound('Upload');
    await this.refuseExpired(videoId, upload.expiresAt);
    return this.exclusive(videoId, async () => {
      const path = this.deps.files.uploadPath(videoId);
      const current = await this.bytesOnDisk(videoId);
      if (offset !== current) {
        throw new AppError(
          409,
          'upload_offset_mismatch',
          `Upload-Offset is ${offset}, but the server holds ${current} bytes; continue from ${current}.`,
        );
      }
      let written = current;
      if (body && written < upload.length) {
        const file = await open(path, 'a');
        try {
          for await (const chunk of body) {
            if (written + chunk.byteLength > upload.length) {
              await file.write(chunk.subarray(0, upload.length - written));
              written = upload.length;
              throw new AppError(
                400,
                'bad_request',
                `The body goes past Upload-Length (${upload.length} bytes).`,
              );
            }
            await file.write(chunk);
            written += chunk.byteLength;
          }
        } catch (error) {
          if (error instanceof AppError) throw error;
          // The client went away mid-body: what arrived is kept, and nobody is left to read an answer.
          throw new AppError(400, 'bad_request', 'The body ended early; HEAD the upload and resume.', {
            cause: error,
          });
        } finally {
          await file.close();
        }
      }
      if (written < upload.length) {
        const expiresAt = new Date(Date.now() + this.deps.limits.expiryMs);
        await this.deps.videos.extendUpload(videoId, expiresAt);
        return { videoId, offset: written, length: upload.length, expiresAt };
      }
      await this.finish(videoId, upload.length);
      return { videoId, offset: upload.length, length: upload.length, expiresAt: undefined };
    });
  }

  /** tus termination: removes an unfinished upload with its video. Finished ones are deleted as videos. */
  async terminate(caller: AuthContext, videoId: string): Promise<void> {
    const upload = await this.deps.videos.findUpload(videoId);
    if (!upload || upload.ownerId !== caller.userId) throw notFound('Upload');
    await this.deps.removeVideo(videoId);
  }

  /** Removes uploads abandoned past their expiry (with their videos and files); returns how many went. */
  async sweepExpired(now = new Date(), batch = 100): Promise<number> {
    const expired = await this.deps.videos.expiredUploads(now, batch);
    for (const videoId of expired) await this.deps.removeVideo(videoId);
    return expired.length;
  }

  /**
   * The whole file is there: ffprobe decides whether it is a video at all. Refused → the video is `failed`
   * with the reason, the file removed, and the caller gets 422 `not_a_video`. Accepted → moved to the
   * video's directory, status `uploaded`, processing queued.
   */
  private async finish(videoId: string, length: number): Promise<void> {
    const { files, videos } = this.deps;
    const path = files.uploadPath(videoId);
    try {
      await probeMedia(this.deps.ffprobePath, path);
    } catch (error) {
      if (!(error instanceof NotAVideoError)) throw error;
      await videos.rejectUpload(videoId, error.message);
      await rm(path, { force: true });
      throw new AppError(422, 'not_a_video', `${error.message}; it was removed.`);
    }
    await mkdir(files.videoDir(videoId), { recursive: true });
    await rename(path, files.sourcePath(videoId));
    if (!(await videos.completeUpload(videoId, length))) {
      // Deleted while we probed: take the moved file with it.
      await files.removeAll(videoId);
      throw notFound('Upload');
    }
    await this.deps.jobs.enqueue('video.process', { videoId }, { jobId: processJobId(videoId) });
  }

  private async refuseExpired(videoId: string, expiresAt: Date): Promise<void> {
    if (expiresAt.getTime() > Date.now()) return;
    await this.deps.removeVideo(videoId);
    throw new AppError(410, 'upload_expired', 'This upload was abandoned too long and has been removed.');
  }

  private async bytesOnDisk(videoId: string): Promise<number> {
    try {
      return (await stat(this.deps.files.uploadPath(videoId))).size;
    } catch {
      return 0;
    }
  }

  /**
   * One append at a time per upload in this process. A client that lost its connection resumes at once;
   * the request it abandoned may still be draining, so the new one waits a moment for it.
   */
  private async exclusive<T>(videoId: string, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let held = this.locks.get(videoId); held; held = this.locks.get(videoId)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new AppError(409, 'conflict', 'Another request is appending to this upload.');
      await Promise.race([held, new Promise((resolve) => setTimeout(resolve, left))]);
    }
    let release = () => {};
    this.locks.set(videoId, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await work();
    } finally {
      this.locks.delete(videoId);
      release();
    }
  }
}
