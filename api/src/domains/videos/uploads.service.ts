/**
 * Rules of resumable video uploads (the tus protocol's state, without its HTTP): size limit and quota at
 * creation, appending at the exact offset, probing the finished file, expiry of abandoned uploads.
 * Bytes go straight from the request stream to disk, each at its place in the file; the database holds
 * the committed offset and which PATCH may write, so gateway replicas sharing it never write at once.
 */
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { UploadMetadata } from '@streamhub/contracts/videos';
import { AppError, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { NotAVideoError, probeMedia } from '@streamhub/media-node/vod/probe';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { UploadWriterLease } from './upload-writer-lease.ts';
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
  /**
   * How long a PATCH's claim on an upload lasts without renewal (default 30 s): how soon an upload a
   * crashed replica was writing can go on elsewhere. Renewed three times per period.
   */
  writerLeaseMs?: number;
  /**
   * How often what a PATCH received is synced and committed as the offset: every `ms` and every `bytes`,
   * whichever comes first (default {@link COMMIT_EVERY}).
   */
  commitEvery?: { ms: number; bytes: number };
}

export interface UploadState {
  videoId: string;
  offset: number;
  length: number;
  /** Unset once the upload is finished. */
  expiresAt: Date | undefined;
}

// How long a PATCH (or HEAD) waits for an earlier PATCH in this process to notice its client is gone.
const LOCK_WAIT_MS = 5_000;
const WRITER_LEASE_MS = 30_000;
/**
 * How far the committed offset (what HEAD answers, and where a client resumes after a crash) may trail
 * the bytes a PATCH has received. Each commit costs an fsync and one small UPDATE.
 */
export const COMMIT_EVERY = { ms: 2_000, bytes: 8 * 1024 * 1024 };

export class UploadsService {
  private readonly locks = new Map<string, Promise<void>>();
  private readonly writerLeaseMs: number;
  private readonly commitEvery: { ms: number; bytes: number };

  constructor(private readonly deps: UploadsServiceDeps) {
    this.writerLeaseMs = deps.writerLeaseMs ?? WRITER_LEASE_MS;
    this.commitEvery = deps.commitEvery ?? COMMIT_EVERY;
  }

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
      // Decided inside the repository's transaction, under a per-owner lock: concurrent creations queue.
      (used) => {
        if (used + length <= limits.quotaBytes) return;
        throw new AppError(
          413,
          'video_quota_exceeded',
          `This upload needs ${length} bytes, but only ${Math.max(0, limits.quotaBytes - used)} of your ${limits.quotaBytes} bytes are free; delete videos to make room.`,
        );
      },
    );
    await mkdir(files.uploadsDir, { recursive: true });
    await (await open(files.uploadPath(video.id), 'w')).close();
    return { videoId: video.id, offset: 0, length, expiresAt };
  }

  /**
   * Where the upload stands (tus HEAD): the committed offset. A finished upload reports its whole length.
   * A PATCH of this process that is still draining a dropped connection is waited for (briefly), so a
   * client resuming at once learns what it kept.
   */
  async state(caller: AuthContext, videoId: string): Promise<UploadState> {
    await this.settled(videoId);
    const upload = await this.deps.videos.findUpload(videoId);
    if (!upload) {
      const video = await this.deps.videos.find(videoId);
      if (!video || video.ownerId !== caller.userId || video.sourceBytes === null) throw notFound('Upload');
      return { videoId, offset: video.sourceBytes, length: video.sourceBytes, expiresAt: undefined };
    }
    if (upload.ownerId !== caller.userId) throw notFound('Upload');
    await this.refuseExpired(videoId, upload.expiresAt);
    return { videoId, offset: upload.offset, length: upload.length, expiresAt: upload.expiresAt };
  }

  /**
   * Appends `body` at `offset` (tus PATCH). Whatever arrived before the client went away is committed,
   * so the next PATCH continues from there. The last byte completes the upload: see {@link finish}.
   * Only one PATCH per upload writes at a time, across replicas: another one gets `409 upload_busy`.
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
      const lease = await UploadWriterLease.claim(this.deps.videos, videoId, this.writerLeaseMs);
      if (!lease) throw await this.unclaimable(videoId);
      const expiresAt = () => new Date(Date.now() + this.deps.limits.expiryMs);
      try {
        if (offset !== lease.offset) {
          throw new AppError(
            409,
            'upload_offset_mismatch',
            `Upload-Offset is ${offset}, but the server holds ${lease.offset} bytes; continue from ${lease.offset}.`,
          );
        }
        const written = await this.receive(videoId, upload.length, lease, body);
        if (written < upload.length) {
          const until = expiresAt();
          if (!(await lease.release(until))) throw takenOver();
          return { videoId, offset: written, length: upload.length, expiresAt: until };
        }
        // Committed before probing, so a probe that fails for a passing reason is retried by an empty PATCH.
        if (!(await lease.flush())) throw takenOver();
        await this.finish(videoId, upload.length);
        lease.stop();
        return { videoId, offset: upload.length, length: upload.length, expiresAt: undefined };
      } finally {
        await lease.release(expiresAt());
      }
    });
  }

  /**
   * Writes the body at the lease's offset, each chunk at its own position rather than appended: bytes a
   * dead writer left past the committed offset are written over. What arrived is synced and committed as
   * the upload's offset every `commitEvery.ms` (on a timer, so a client that stalls mid-body is covered
   * too) and every `commitEvery.bytes`, whichever comes first, and at the end however the body ends.
   * Returns the bytes now held.
   */
  private async receive(
    videoId: string,
    length: number,
    lease: UploadWriterLease,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<number> {
    let written = lease.offset;
    if (!body || written >= length) return written;
    const file = await open(this.deps.files.uploadPath(videoId), 'r+');
    const reader = body.getReader();
    // Taken over: stop at once rather than wait for the client's next chunk.
    lease.onLost(() => void reader.cancel().catch(() => {}));
    let committed = written;
    let commits: Promise<void> = Promise.resolve();
    // One commit at a time; each covers every write that had completed when its sync began.
    const commit = () => {
      commits = commits.then(async () => {
        const upTo = written;
        if (upTo <= committed || lease.isLost) return;
        await file.sync();
        lease.synchronised(upTo);
        committed = upTo;
        await lease.flush();
      });
      // A failed sync is left to the final one below, which throws.
      commits = commits.catch(() => {});
      return commits;
    };
    const timer = setInterval(() => void commit(), this.commitEvery.ms);
    try {
      for (let next = await reader.read(); !next.done && !lease.isLost; next = await reader.read()) {
        const chunk = next.value;
        const room = length - written;
        await writeAll(file, chunk.byteLength > room ? chunk.subarray(0, room) : chunk, written);
        written += Math.min(chunk.byteLength, room);
        if (chunk.byteLength > room) {
          throw new AppError(400, 'bad_request', `The body goes past Upload-Length (${length} bytes).`);
        }
        if (written - committed >= this.commitEvery.bytes) await commit();
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      // The client went away mid-body: what arrived is kept, and nobody is left to read an answer.
      throw new AppError(400, 'bad_request', 'The body ended early; HEAD the upload and resume.', {
        cause: error,
      });
    } finally {
      clearInterval(timer);
      reader.cancel().catch(() => {});
      await commits;
      await file.sync();
      await file.close();
      lease.synchronised(written);
    }
    if (lease.isLost) throw takenOver();
    return written;
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

  /** Another writer holds the upload, or it is gone (completed, terminated) since it was read. */
  private async unclaimable(videoId: string): Promise<AppError> {
    if (!(await this.deps.videos.findUpload(videoId))) return notFound('Upload');
    return busy();
  }

  /**
   * One append at a time per upload in this process, before the database claim (which decides across
   * replicas). A client that lost its connection resumes at once; the request it abandoned may still be
   * draining, so the new one waits a moment for it here instead of getting `upload_busy`.
   */
  private async exclusive<T>(videoId: string, work: () => Promise<T>): Promise<T> {
    if (!(await this.settled(videoId))) throw busy();
    let release = () => {};
    this.locks.set(videoId, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await work();
    } finally {
      this.locks.delete(videoId);
      release();
    }
  }

  /** Waits up to LOCK_WAIT_MS for this process's PATCH of the upload to end; false when it still runs. */
  private async settled(videoId: string): Promise<boolean> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let held = this.locks.get(videoId); held; held = this.locks.get(videoId)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([held, new Promise((resolve) => setTimeout(resolve, left))]);
    }
    return true;
  }
}

const busy = () =>
  new AppError(409, 'upload_busy', 'Another request is writing to this upload; HEAD it and retry shortly.');

const takenOver = () =>
  new AppError(
    409,
    'upload_busy',
    'Another request took this upload over while this one stalled; HEAD it and resume.',
  );

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}
