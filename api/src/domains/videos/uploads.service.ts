/**
 * Rules of resumable video uploads (the tus protocol's state, without its HTTP): size limit and quota at
 * creation, appending at the exact offset, probing the finished file, expiry of abandoned uploads.
 * Bytes go straight from the request stream to the media storage's resumable upload; the database holds
 * the committed (durable) offset and which PATCH may write, so gateway replicas never write at once.
 */
import { join } from 'node:path';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { UploadMetadata } from '@streamhub/contracts/videos';
import { AppError, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { mediaKeys, VOD_SOURCE } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { NotAVideoError, probeMedia } from '@streamhub/media-node/vod/probe';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { UploadBody } from './upload-body.ts';
import { UploadWriterLease } from './upload-writer-lease.ts';
import { removeVideoMedia } from './video-media.ts';
import type { VideosRepository } from './videos.repository.ts';
import { processJobId } from './videos.service.ts';

export interface UploadLimits {
  maxBytes: number;
  quotaBytes: number;
  expiryMs: number;
}

export interface UploadsServiceDeps {
  videos: VideosRepository;
  /** Where the upload's bytes and then the accepted source are stored. */
  media: MediaStorage;
  channels: Pick<ChannelsService, 'mine'>;
  jobs: JobQueue<JobDefinitionsMap>;
  limits: UploadLimits;
  /**
   * The size limits that apply now, which an admin may change live (the instance settings); absent →
   * those of `limits`.
   */
  sizeLimits?: () => Promise<Pick<UploadLimits, 'maxBytes' | 'quotaBytes'>>;
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
/** How long the probe's URL into the object store is valid: past ffprobe's own 30 s timeout. */
const PROBE_URL_SECONDS = 120;

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
    const { limits, videos, media } = this.deps;
    const { maxBytes, quotaBytes } = (await this.deps.sizeLimits?.()) ?? limits;
    if (!Number.isSafeInteger(length) || length < 1) {
      throw validationFailed([
        { path: 'header.upload-length', message: 'must be a whole number of bytes ≥ 1' },
      ]);
    }
    if (length > maxBytes) {
      throw new AppError(
        413,
        'video_too_large',
        `The file is ${length} bytes; videos may be at most ${maxBytes} bytes.`,
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
        if (used + length <= quotaBytes) return;
        throw new AppError(
          413,
          'video_quota_exceeded',
          `This upload needs ${length} bytes, but only ${Math.max(0, quotaBytes - used)} of your ${quotaBytes} bytes are free; delete videos to make room.`,
        );
      },
    );
    await media.createUpload(mediaKeys.upload(video.id), { target: mediaKeys.vodSource(video.id) });
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
    body: UploadBody | null,
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
   * Appends the body to the stored upload from the lease's offset: bytes a dead writer left past the
   * committed offset are written over. What arrived is synced and its durable part committed as the
   * upload's offset every `commitEvery.ms` (on a timer, so a client that stalls mid-body is covered too)
   * and every `commitEvery.bytes`, whichever comes first, and at the end however the body ends.
   * Returns the durable offset.
   */
  private async receive(
    videoId: string,
    length: number,
    lease: UploadWriterLease,
    body: UploadBody | null,
  ): Promise<number> {
    let written = lease.offset;
    if (!body || written >= length) return written;
    // Where this body ends, when declared: an object store cuts its parts to end there, storing no tail,
    // and streams each part to the store while it arrives (the last one too, when it ends the upload).
    const end = body.declaredBytes === undefined ? undefined : Math.min(length, written + body.declaredBytes);
    const file = await this.deps.media.openUpload(mediaKeys.upload(videoId), written, {
      end,
      final: end === length,
    });
    const chunks = body.chunks[Symbol.asyncIterator]();
    // Taken over: stop at once rather than wait for the client's next chunk.
    lease.onLost(() => body.cancel());
    let committed = written;
    // Where the last commit began. Both cadences count from there: the bytes (not from `committed`, which
    // an object store keeps up to a part and those on their way behind, so every chunk past that lag would
    // sync) and the time (so a timed commit never closely follows another: a sync that finds no part sent
    // since the one before takes the client for stalled and stores its tail).
    let commitFrom = written;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let commits: Promise<void> = Promise.resolve();
    // One commit at a time; each covers every write that had completed when its sync began.
    const commit = () => {
      commitFrom = written;
      clearTimeout(timer);
      timer = setTimeout(() => void commit(), this.commitEvery.ms);
      commits = commits.then(async () => {
        if (written <= committed || lease.isLost) return;
        // The storage says how much is durable; an object store may hold back a tail below its part size.
        const durable = await file.sync();
        if (durable <= committed) return;
        lease.synchronised(durable);
        committed = durable;
        await lease.flush();
      });
      // A failed sync is left to the final one below, which throws.
      commits = commits.catch(() => {});
      return commits;
    };
    timer = setTimeout(() => void commit(), this.commitEvery.ms);
    try {
      for (let next = await chunks.next(); !next.done && !lease.isLost; next = await chunks.next()) {
        const chunk = next.value;
        const room = length - written;
        await file.append(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
        written += Math.min(chunk.byteLength, room);
        if (chunk.byteLength > room) {
          throw new AppError(400, 'bad_request', `The body goes past Upload-Length (${length} bytes).`);
        }
        if (written - commitFrom >= this.commitEvery.bytes) await commit();
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      // The client went away mid-body: what arrived is kept, and nobody is left to read an answer.
      throw new AppError(400, 'bad_request', 'The body ended early; HEAD the upload and resume.', {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      body.cancel();
      await commits;
      // Every byte is here: an object store sends its tail as the final part instead of storing it.
      committed = await file.close({ last: written === length });
      lease.synchronised(committed);
    }
    if (lease.isLost) throw takenOver();
    return committed;
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
   * The whole file is there: it becomes the video's source (`vod/<videoId>/source`), and ffprobe decides
   * whether it is a video at all. Refused → the video is `failed` with the reason, the file removed, and
   * the caller gets 422 `not_a_video`. Accepted → status `uploaded`, processing queued. Completing is
   * repeatable, so a probe that failed for a passing reason is retried by an empty PATCH.
   */
  private async finish(videoId: string, length: number): Promise<void> {
    const { media, videos } = this.deps;
    const source = mediaKeys.vodSource(videoId);
    await media.completeUpload(mediaKeys.upload(videoId), source, { length });
    try {
      await this.probeSource(videoId);
    } catch (error) {
      if (!(error instanceof NotAVideoError)) throw error;
      await videos.rejectUpload(videoId, error.message);
      await media.delete(source);
      throw new AppError(422, 'not_a_video', `${error.message}; it was removed.`);
    }
    if (!(await videos.completeUpload(videoId, length))) {
      // Deleted while we probed: take the moved file with it.
      await removeVideoMedia(media, videoId);
      throw notFound('Upload');
    }
    await this.deps.jobs.enqueue('video.process', { videoId }, { jobId: processJobId(videoId) });
  }

  /**
   * ffprobe reads the source where it is: from the object store by URL, seeking with ranged GETs to the
   * boxes it needs (an MP4's index may be at its end), or as the storage's local file. A whole copy is
   * read only from a store that hands out no URL, and to confirm a refusal.
   */
  private async probeSource(videoId: string): Promise<void> {
    const url = await this.deps.media.toolUrl(mediaKeys.vodSource(videoId), PROBE_URL_SECONDS);
    if (url !== undefined) {
      try {
        await probeMedia(this.deps.ffprobePath, url);
        return;
      } catch (error) {
        if (!(error instanceof NotAVideoError)) throw error;
        // ffprobe also fails that way when the store refused or dropped a request: a local copy decides
        // (refusals are rare, and a file that is not a video is seldom large).
      }
    }
    const dir = await this.deps.media.localDirectory(mediaKeys.vodPrefix(videoId), { load: [VOD_SOURCE] });
    try {
      await probeMedia(this.deps.ffprobePath, join(dir.path, VOD_SOURCE));
    } finally {
      await dir.release();
    }
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
