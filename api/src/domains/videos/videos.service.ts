/**
 * Rules of the content domain for videos: who sees and changes what, the library and channel lists, the
 * processing store the VOD job drives, and recorded broadcasts becoming videos. No HTTP here.
 */
import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type {
  LibraryQuery,
  PageQuery,
  UpdateVideoRequest,
  Video,
  VideoCategory,
  VideoPage,
} from '@streamhub/contracts/videos';
import { VIDEO_TITLE_MAX } from '@streamhub/contracts/videos';
import type { VideoRow } from '@streamhub/db/schema/videos';
import { AppError, forbidden, notFound } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import {
  keyIn,
  type MediaKey,
  type MediaPrefix,
  mediaKeys,
  tryKey,
  VOD_SOURCE,
} from '@streamhub/infra/media-storage/keys';
import type { ByteRange, MediaStorage } from '@streamhub/infra/media-storage/port';
import type {
  ProcessedVideo,
  VideoProcessingStore,
  VideoToProcess,
} from '@streamhub/media-node/vod/video-processing-store';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import { answerMedia, type MediaAnswer, type MediaHeaders } from '../../media/media-response.ts';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { resolveHlsFile } from '../playback/hls-files.ts';
import type { PlaybackTokens } from './playback-tokens.ts';
import { removeVideoMedia } from './video-media.ts';
import type { VideoStatusPublisher } from './video-status-publisher.ts';
import type { NewVideo, Page, VideosRepository, VideoView } from './videos.repository.ts';

export interface VideosServiceDeps {
  videos: VideosRepository;
  /** Where the video's source, renditions, poster and storyboard are stored. */
  media: MediaStorage;
  tokens: PlaybackTokens;
  channels: Pick<ChannelsService, 'mine' | 'reference' | 'publicChannel' | 'sessionReference'>;
  jobs: JobQueue<JobDefinitionsMap>;
  /** Base of playback, poster and storyboard URLs (PUBLIC_URL). */
  publicUrl: string;
  statusPublisher: VideoStatusPublisher;
}

/** What the playback route needs to serve a file of a video. */
export type PlaybackAccess = { ok: true } | { ok: false; reason: 'not_found' | 'invalid_token' };

// Bounded statements for owners with many videos.
const OWNED_IDS_PAGE = 500;

// How long a signed URL of a private video's file lasts, where the storage signs (players fetch at once).
const SIGNED_URL_SECONDS = 300;
const IMAGES = new Set(['poster.jpg', 'storyboard.jpg']);

/** The object of a name in a video's prefix, or undefined for any name the VOD output never has. */
function vodFile(prefix: MediaPrefix, rest: string): { key: MediaKey; contentType: string } | undefined {
  if (IMAGES.has(rest)) return { key: keyIn(prefix, rest), contentType: 'image/jpeg' };
  // The accepted upload sits under the same prefix; it is never served (and has no HLS type anyway).
  if (rest === VOD_SOURCE) return undefined;
  // The live resolver's name rules (one optional directory, safe characters, known types) fit VOD too.
  return resolveHlsFile(prefix, rest);
}

/** A video as the analytics domain sees it. */
export interface VideoAnalyticsSubject {
  id: string;
  ownerId: string;
  channelId: string | null;
  playable: boolean;
  visible: boolean;
}

/** Deterministic per video, so a repeated enqueue (a recording's end reported twice) runs one job. */
export const processJobId = (videoId: string) => `video-process-${videoId}`;

export class VideosService implements VideoProcessingStore {
  constructor(private readonly deps: VideosServiceDeps) {}

  // --- reading -------------------------------------------------------------------------------------

  /** Public and unlisted videos to anyone; private ones only to their owner (404 to everyone else). */
  async get(id: string, caller: AuthContext | undefined): Promise<Video> {
    const view = await this.deps.videos.findView(id);
    if (!view || !this.canSee(view.video, caller)) throw notFound('Video');
    return this.toVideo(view, caller);
  }

  /**
   * What the analytics domain needs of a video: its owner and channel, whether it can be played, and
   * whether `caller` may see it (private videos: the owner only). Undefined when there is no such video.
   */
  async analyticsSubject(
    id: string,
    caller: AuthContext | undefined,
  ): Promise<VideoAnalyticsSubject | undefined> {
    const video = await this.deps.videos.find(id);
    if (!video) return undefined;
    return {
      id: video.id,
      ownerId: video.ownerId,
      channelId: video.channelId,
      playable: video.status === 'ready',
      visible: this.canSee(video, caller),
    };
  }

  /** Stores the counted views of each video (the analytics domain counts them, docs/analytics.md). */
  async setViewCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    await this.deps.videos.setViewCounts(counts);
  }

  async library(query: LibraryQuery): Promise<VideoPage> {
    const page = await withCursor(() =>
      this.deps.videos.library({
        sort: query.q ? 'relevance' : query.sort,
        limit: query.limit,
        ...(query.category ? { category: query.category } : {}),
        ...(query.tag ? { tag: query.tag } : {}),
        ...(query.q ? { q: query.q } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
    return this.toPage(page, undefined);
  }

  /**
   * The videos recordings of these broadcasts became, by broadcast id, among those the caller may find in
   * a list: as in a channel's list, public and ready ones, and every one of the caller's own.
   */
  async recordingsOf(
    liveSessionIds: readonly string[],
    caller: AuthContext | undefined,
  ): Promise<Map<string, string>> {
    const found = await this.deps.videos.recordingsOf(liveSessionIds);
    return new Map(
      found
        .filter((video) => this.listable(video, caller))
        .map((video) => [video.liveSessionId, video.id] as const),
    );
  }

  /** A channel's public ready videos; its owner sees all of theirs, in any status. */
  async channelVideos(slug: string, caller: AuthContext | undefined, query: PageQuery): Promise<VideoPage> {
    const channel = await this.deps.channels.reference(slug);
    const isOwner = caller?.userId === channel.ownerId;
    const page = await withCursor(() => this.deps.videos.byChannel(channel.id, !isOwner, pageOptions(query)));
    return this.toPage(page, caller);
  }

  /** The caller's videos in any status, with progress and failure reasons. */
  async mine(caller: AuthContext, query: PageQuery): Promise<VideoPage> {
    const page = await withCursor(() => this.deps.videos.byOwner(caller.userId, pageOptions(query)));
    return this.toPage(page, caller);
  }

  // --- changing ------------------------------------------------------------------------------------

  async update(caller: AuthContext, id: string, patch: UpdateVideoRequest): Promise<Video> {
    const view = await this.deps.videos.findView(id);
    if (!view || !this.canSee(view.video, caller)) throw notFound('Video');
    if (view.video.ownerId !== caller.userId) throw forbidden('Only the owner of this video may change it.');
    const updated = await this.deps.videos.update(id, patch);
    if (!updated) throw notFound('Video');
    // Copies a CDN may serve stop being served once only token holders may play the video.
    if (needsToken(updated.visibility) && !needsToken(view.video.visibility)) {
      await this.deps.media.unpublish(mediaKeys.vodPrefix(id));
    }
    return this.toVideo({ ...view, video: updated }, caller);
  }

  /** The owner or an admin; removes the row and every file (source, HLS, poster, storyboard, upload). */
  async delete(caller: AuthContext, id: string): Promise<void> {
    const video = await this.deps.videos.find(id);
    if (!video || !this.canSee(video, caller)) throw notFound('Video');
    if (video.ownerId !== caller.userId && caller.role !== 'admin') {
      throw forbidden('Only the owner of this video or an admin may delete it.');
    }
    await this.remove(id);
  }

  /**
   * Deletes the row first, so nothing serves or processes the video while its files go; a recording's
   * broadcast files go with it.
   */
  async remove(id: string): Promise<void> {
    const removed = await this.deps.videos.delete(id);
    await removeVideoMedia(this.deps.media, id, removed?.recordingPlaybackId);
  }

  // --- deleted accounts ----------------------------------------------------------------------------

  /** Ids of every video `ownerId` owns, in any status: read before the account is deleted. */
  async idsOwnedBy(ownerId: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<VideoView> = await this.deps.videos.byOwner(ownerId, {
        limit: OWNED_IDS_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      ids.push(...page.items.map((view) => view.video.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  /**
   * Removes the videos of a deleted account. Their rows went with the account; their files (sources,
   * HLS output, uploads in progress) are still on disk. Repeatable: every replica hears `user.deleted`.
   */
  async removeVideos(videoIds: readonly string[]): Promise<void> {
    for (const videoId of videoIds) await this.remove(videoId);
  }

  // --- playback ------------------------------------------------------------------------------------

  /**
   * Whether a file of video `id` may be served: ready, and for a private or subscribers-only one a valid
   * token (issued only to those who may play it, see toVideo).
   */
  async playbackAccess(id: string, token: string | undefined): Promise<PlaybackAccess> {
    const video = await this.deps.videos.find(id);
    if (video?.status !== 'ready') return { ok: false, reason: 'not_found' };
    if (!needsToken(video.visibility)) return { ok: true };
    if (token === undefined) return { ok: false, reason: 'not_found' };
    return (await this.deps.tokens.allows(token, id)) ? { ok: true } : { ok: false, reason: 'invalid_token' };
  }

  /**
   * A file of a ready video (`/vod/<id>/[t/<token>/]<rest>`): its HLS ladder, poster or storyboard, never
   * the accepted source. Private videos need a valid token: through the gateway, or a short-lived signed
   * URL where the storage can sign. Caches keep them an hour, a private video's only in the player.
   */
  async playbackFile(
    id: string,
    rest: string,
    token: string | undefined,
    range: ByteRange | undefined,
  ): Promise<{ answer: MediaAnswer; headers: MediaHeaders }> {
    const prefix = tryKey(() => mediaKeys.vodPrefix(id));
    const file = prefix && vodFile(prefix, rest);
    if (!file) throw notFound('That playback file');
    const access = await this.playbackAccess(id, token);
    if (!access.ok) {
      if (access.reason === 'invalid_token') {
        throw new AppError(403, 'invalid_playback_token', 'The playback token is invalid or expired.');
      }
      throw notFound('That video');
    }
    const answer = await answerMedia(
      this.deps.media,
      file.key,
      token ? { kind: 'signed', expiresInSeconds: SIGNED_URL_SECONDS } : { kind: 'public' },
      range,
    );
    if (!answer) throw notFound('That playback file');
    // A ready video's files never change, but it may be deleted or made private.
    const cacheControl = token ? 'private, max-age=3600' : 'public, max-age=3600';
    return { answer, headers: { contentType: file.contentType, cacheControl } };
  }

  // --- processing store (the video.process job) ----------------------------------------------------

  async begin(videoId: string): Promise<VideoToProcess | undefined> {
    const video = await this.deps.videos.transition(videoId, ['uploaded', 'processing', 'failed', 'ready'], {
      status: 'processing',
      progress: 0,
      failureReason: null,
    });
    if (!video) return undefined;
    this.announce(video);
    const source =
      video.source === 'recording' && video.recordingPlaybackId
        ? { prefix: mediaKeys.livePrefix(video.recordingPlaybackId), name: 'master.m3u8', playlist: true }
        : { prefix: mediaKeys.vodPrefix(videoId), name: VOD_SOURCE, playlist: false };
    return { videoId, source, output: mediaKeys.vodPrefix(videoId) };
  }

  async progress(videoId: string, percent: number): Promise<void> {
    const progress = Math.max(0, Math.min(100, Math.round(percent)));
    const ownerId = await this.deps.videos.setProgress(videoId, progress);
    if (ownerId) this.announce({ id: videoId, ownerId, status: 'processing', progress, failureReason: null });
  }

  async ready(videoId: string, result: ProcessedVideo): Promise<void> {
    const video = await this.deps.videos.transition(
      videoId,
      ['processing'],
      {
        status: 'ready',
        progress: 100,
        failureReason: null,
        readyAt: new Date(),
        durationMs: Math.round(result.durationMs),
        width: result.width,
        height: result.height,
        renditions: result.renditions,
      },
      // Stored with the status change (docs/events.md); the owner's frames come from `announce`.
      (tx, row) =>
        appendDomainEvent(
          tx,
          'video.ready',
          {
            videoId,
            ownerId: row.ownerId,
            channelId: row.channelId,
            title: row.title,
            visibility: row.visibility,
            durationMs: row.durationMs ?? 0,
            readyAt: (row.readyAt ?? new Date()).toISOString(),
          },
          { aggregate: `video:${videoId}` },
        ),
    );
    if (!video) return this.dropOrphanedOutput(videoId);
    this.announce(video);
  }

  async failed(videoId: string, reason: string): Promise<void> {
    const video = await this.deps.videos.transition(
      videoId,
      ['uploaded', 'processing'],
      { status: 'failed', failureReason: reason },
      (tx, row) =>
        appendDomainEvent(
          tx,
          'video.failed',
          { videoId, ownerId: row.ownerId, reason },
          { aggregate: `video:${videoId}` },
        ),
    );
    if (!video) return this.dropOrphanedOutput(videoId);
    this.announce(video);
  }

  // --- recordings ----------------------------------------------------------------------------------

  /**
   * Registers a recorded broadcast as a public video of its channel and queues its processing. Once per
   * broadcast: a repeated `stream.ended` (or one seen by several replicas) finds the video already there.
   * If that video is still waiting for processing, its job is queued again: the video commits before the
   * enqueue, so a delivery that failed in between is retried with the row already in place (the job id
   * is deterministic, so a job still queued is not doubled). Returns the new video's id, or undefined
   * when it existed.
   */
  async registerRecording(ended: DomainEventPayload<'stream.ended'>): Promise<string | undefined> {
    if (!ended.recorded) return undefined;
    const session = await this.deps.channels.sessionReference(ended.sessionId);
    const channel = await this.deps.channels.publicChannel(session.slug);
    const video = await this.deps.videos.createRecording({
      ownerId: session.ownerId,
      channelId: session.channelId,
      liveSessionId: ended.sessionId,
      recordingPlaybackId: ended.playbackId,
      title: recordingTitle(channel.title, ended.startedAt),
      description: '',
      tags: channel.tags.map((tag) => tag.toLowerCase()),
      category: channel.category,
      visibility: 'public',
    });
    if (!video) {
      const [existing] = await this.deps.videos.recordingsOf([ended.sessionId]);
      if (existing?.status === 'uploaded') await this.enqueueProcessing(existing.id);
      return undefined;
    }
    await this.enqueueProcessing(video.id);
    return video.id;
  }

  /**
   * A clip becomes a video of the channel (docs/clips.md): its MP4 is stored as the video's source and
   * the normal processing is queued. Returns the new video's id.
   */
  async registerClip(video: NewVideo, source: Buffer): Promise<string> {
    const id = randomUUID();
    await this.deps.media.write(mediaKeys.vodSource(id), source, { contentType: 'video/mp4' });
    try {
      await this.deps.videos.createClip({ ...video, id }, source.length);
    } catch (error) {
      await removeVideoMedia(this.deps.media, id);
      throw error;
    }
    await this.enqueueProcessing(id);
    return id;
  }

  /**
   * Queues processing again for every video still waiting or in processing. In-process jobs die with
   * their process, so a restarted all-in-one gateway calls this; the job id makes a repeat harmless and
   * the job's work directory makes a half-done run start clean.
   */
  async requeueUnfinished(): Promise<number> {
    const ids = await this.deps.videos.unfinished();
    for (const videoId of ids) await this.enqueueProcessing(videoId);
    return ids.length;
  }

  // --- helpers -------------------------------------------------------------------------------------

  private async enqueueProcessing(videoId: string): Promise<void> {
    await this.deps.jobs.enqueue('video.process', { videoId }, { jobId: processJobId(videoId) });
  }

  /** Tells the owner's open connections; a lost update is harmless (the API has the state), so never awaited. */
  private announce(video: Pick<VideoRow, 'id' | 'ownerId' | 'status' | 'progress' | 'failureReason'>): void {
    void this.deps.statusPublisher
      .publish(video.ownerId, {
        type: 'video.status',
        videoId: video.id,
        status: video.status,
        progress: video.progress,
        failureReason: video.failureReason,
      })
      .catch(() => undefined);
  }

  /** A video deleted while its job ran: the job may have written files after the deletion removed them. */
  private async dropOrphanedOutput(videoId: string): Promise<void> {
    if (!(await this.deps.videos.find(videoId))) await removeVideoMedia(this.deps.media, videoId);
  }

  private async mayPlay(video: VideoRow, caller: AuthContext | undefined): Promise<boolean> {
    if (!caller) return false;
    if (video.ownerId === caller.userId) return true;
    if (video.visibility !== 'subscribers' || video.channelId === null) return false;
    return this.deps.videos.holdsSubscription(caller.userId, video.channelId);
  }

  private canSee(video: VideoRow, caller: AuthContext | undefined): boolean {
    return video.visibility !== 'private' || video.ownerId === caller?.userId;
  }

  /** What lists show: unlisted videos are reached by their link only, unfinished ones by their owner only. */
  private listable(
    video: Pick<VideoRow, 'ownerId' | 'visibility' | 'status'>,
    caller: AuthContext | undefined,
  ): boolean {
    return (
      video.ownerId === caller?.userId ||
      ((video.visibility === 'public' || video.visibility === 'subscribers') && video.status === 'ready')
    );
  }

  private async toPage(
    page: { items: VideoView[]; nextCursor: string | null },
    caller: AuthContext | undefined,
  ): Promise<VideoPage> {
    return {
      items: await Promise.all(page.items.map((view) => this.toVideo(view, caller))),
      nextCursor: page.nextCursor,
    };
  }

  private async toVideo(
    { video, owner, channel }: VideoView,
    caller: AuthContext | undefined,
  ): Promise<Video> {
    const ready = video.status === 'ready';
    let base = `${this.deps.publicUrl}/vod/${video.id}`;
    // Only the owner ever sees a private video, so only they get a token; a subscribers video's goes to
    // its owner and to whoever holds a subscription's perks on its channel now.
    if (ready && needsToken(video.visibility) && (await this.mayPlay(video, caller))) {
      base = `${base}/t/${await this.deps.tokens.issue(video.id)}`;
    }
    return {
      id: video.id,
      title: video.title,
      description: video.description,
      tags: video.tags,
      category: video.category as VideoCategory,
      visibility: video.visibility,
      source: video.source,
      status: video.status,
      progress: video.progress,
      // Written for the owner (it may name their file's problems); others see only the status.
      failureReason: caller?.userId === video.ownerId ? video.failureReason : null,
      durationMs: video.durationMs,
      width: video.width,
      height: video.height,
      sourceBytes: video.sourceBytes,
      renditions: video.renditions.map((r) => ({
        resolution: `${r.width}x${r.height}`,
        width: r.width,
        height: r.height,
        bandwidth: r.bandwidth,
      })),
      viewCount: video.viewCount,
      playbackUrl: ready ? `${base}/master.m3u8` : null,
      posterUrl: ready ? `${base}/poster.jpg` : null,
      storyboardUrl: ready ? `${base}/storyboard.vtt` : null,
      channel,
      owner,
      createdAt: video.createdAt.toISOString(),
      readyAt: video.readyAt?.toISOString() ?? null,
    };
  }
}

const pageOptions = (query: PageQuery) => ({
  limit: query.limit,
  ...(query.cursor ? { cursor: query.cursor } : {}),
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "<channel title> — 24 Nov 2026, 14:05 UTC": the start time too, so two broadcasts of one day get two
 * titles. Formatted by hand in UTC, not by the runtime's ICU (whose month names differ between versions),
 * so every replica names it the same.
 */
export function recordingTitle(channelTitle: string, startedAt: string): string {
  const start = new Date(startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${start.getUTCDate()} ${MONTHS[start.getUTCMonth()]} ${start.getUTCFullYear()}`;
  const suffix = ` — ${date}, ${pad(start.getUTCHours())}:${pad(start.getUTCMinutes())} UTC`;
  // The date and time are kept whole: a long channel title is shortened instead (never mid-character).
  const room = VIDEO_TITLE_MAX - suffix.length;
  let title = channelTitle.slice(0, room);
  if (channelTitle.length > room && /[\uD800-\uDBFF]$/.test(title)) title = title.slice(0, -1);
  return `${title}${suffix}`;
}

/** Private and subscribers-only videos are played with a token, never from a public copy. */
function needsToken(visibility: VideoRow['visibility']): boolean {
  return visibility === 'private' || visibility === 'subscribers';
}
