/**
 * Clips: the owner of a channel, or a signed-in viewer when the channel allows it, clips 5–60 s of the
 * live broadcast (its last seconds, cut from the live window: `cutLiveClip`) or of a finished video of
 * the channel, a broadcast's recording or an upload (from a point: `cutRangeClip` on its processed
 * ladder). Both are cut to the frame (`live-clip.ts`). The clip becomes a video of the channel (owned by the channel's
 * owner, processed by the normal VOD pipeline, public), and is credited to its maker here, with a
 * durable `clip.created` event in the same transaction. Each user makes at most
 * `CLIPS_PER_USER_PER_HOUR` clips an hour.
 */
import type {
  ChannelClip,
  ChannelClipPage,
  ChannelClipsQuery,
  Clip,
  ClipSettings,
  CreateClip,
} from '@streamhub/contracts/clips';
import type { Video } from '@streamhub/contracts/videos';
import { AppError, forbidden, notFound, validationFailed } from '@streamhub/errors/app-error';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import {
  ClipSourceError,
  cutLiveClip,
  cutRangeClip,
  type LiveClipResult,
} from '@streamhub/media-node/live/live-clip';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelReference, ChannelsService } from '../channels/channels.service.ts';
import type { VideosService } from '../videos/videos.service.ts';
import type { ClipRow, ClipsRepository } from './clips.repository.ts';

export interface ClipsServiceDeps {
  clips: ClipsRepository;
  channels: Pick<ChannelsService, 'reference' | 'publicChannel'>;
  videos: Pick<VideosService, 'registerClip' | 'get'>;
  media: MediaStorage;
  ffmpegPath: string;
  publicUrl: string;
  /** How many clips one account may make per hour now (an instance setting an admin may change live). */
  perUserPerHour(): Promise<number>;
}

const HOUR_MS = 3_600_000;

export class ClipsService {
  constructor(private readonly deps: ClipsServiceDeps) {}

  async create(caller: AuthContext, slug: string, input: CreateClip): Promise<Clip> {
    const { deps } = this;
    const makerId = caller.userId;
    const channel = await deps.channels.reference(slug);
    if (channel.ownerId !== makerId && !(await deps.clips.viewersMayClip(channel.id))) {
      throw forbidden('This channel lets only its owner make clips.');
    }
    const made = await deps.clips.madeSince(makerId, new Date(Date.now() - HOUR_MS));
    const perHour = await deps.perUserPerHour();
    if (made >= perHour) {
      throw new AppError(429, 'clip_limit_reached', `At most ${perHour} clips an hour.`, {
        headers: { 'Retry-After': '3600' },
      });
    }
    const view = await deps.channels.publicChannel(slug);
    const source = input.from
      ? await this.finishedVideo(caller, channel, input.from.videoId, input.from.startSeconds)
      : undefined;
    const session = source ? undefined : view.session;
    if (!source && !session)
      throw new AppError(409, 'channel_offline', 'The channel is not live: there is nothing to clip.');
    let cut: LiveClipResult;
    try {
      cut = source
        ? await cutRangeClip({
            media: deps.media,
            prefix: mediaKeys.vodPrefix(source.id),
            startSeconds: input.from?.startSeconds ?? 0,
            seconds: input.seconds,
            ffmpegPath: deps.ffmpegPath,
          })
        : await cutLiveClip({
            media: deps.media,
            prefix: mediaKeys.livePrefix(session?.playbackId ?? ''),
            seconds: input.seconds,
            ffmpegPath: deps.ffmpegPath,
          });
    } catch (error) {
      if (!(error instanceof ClipSourceError)) throw error;
      throw new AppError(409, 'clip_unavailable', `No clip could be cut: ${error.message}.`);
    }
    const videoId = await deps.videos.registerClip(
      {
        ownerId: channel.ownerId,
        channelId: channel.id,
        title: input.title ?? `Clip of ${view.title}`.slice(0, 140),
        description: '',
        tags: view.tags,
        category: view.category,
        visibility: 'public',
      },
      cut.bytes,
    );
    const row = await deps.clips.insert(
      {
        videoId,
        channelId: channel.id,
        liveSessionId: session?.id ?? null,
        sourceVideoId: source?.id ?? null,
        startMs: source ? Math.round(cut.startSeconds * 1000) : null,
        makerId,
        seconds: Math.round(cut.seconds),
      },
      (tx, clip) =>
        appendDomainEvent(
          tx,
          'clip.created',
          {
            clipId: clip.id,
            videoId: clip.videoId,
            channelId: clip.channelId,
            liveSessionId: clip.liveSessionId,
            sourceVideoId: clip.sourceVideoId,
            startSeconds: clip.startMs === null ? null : clip.startMs / 1000,
            makerId: clip.makerId,
            seconds: clip.seconds,
            createdAt: clip.createdAt.toISOString(),
          },
          { aggregate: `channel:${clip.channelId}` },
        ),
    );
    return this.toClip(row);
  }

  /**
   * The video a clip of a finished video is cut from: one the caller may see, of this channel, processed,
   * and public unless the caller owns the channel (the clip is public: it must not republish a private or
   * subscribers-only video). The start must fall inside it.
   */
  private async finishedVideo(
    caller: AuthContext,
    channel: ChannelReference,
    videoId: string,
    startSeconds: number,
  ): Promise<Video> {
    const video = await this.deps.videos.get(videoId, caller);
    if (video.channel?.slug.toLowerCase() !== channel.slug.toLowerCase()) {
      throw notFound('That video on this channel');
    }
    if (video.visibility !== 'public' && caller.userId !== channel.ownerId) {
      throw forbidden('Only the channel owner clips a video that is not public.');
    }
    if (video.status !== 'ready' || video.durationMs === null) {
      throw new AppError(409, 'clip_unavailable', 'No clip could be cut: the video is not processed yet.');
    }
    if (startSeconds * 1000 >= video.durationMs) {
      throw validationFailed([
        {
          path: 'body.from.startSeconds',
          message: `must be before the end of the video (${video.durationMs / 1000} s)`,
        },
      ]);
    }
    return video;
  }

  /**
   * The channel's clips, newest first. Its owner sees clips in every state (processing, failed) and
   * deletes one by deleting its video (`DELETE /api/v1/videos/{id}`; the clip row goes with it); anyone
   * else, signed in or not, sees only those whose video is ready and public (a clip's video starts
   * public, and its owner may make it private or for subscribers only: those are left out).
   */
  async list(
    caller: AuthContext | undefined,
    slug: string,
    query: ChannelClipsQuery,
  ): Promise<ChannelClipPage> {
    const channel = await this.deps.channels.reference(slug);
    const publicOnly = caller?.userId !== channel.ownerId;
    const page = await withCursor(() => this.deps.clips.byChannel(channel.id, { ...query, publicOnly }));
    return {
      items: page.items.map(({ clip, title, status, maker }) => ({
        id: clip.id,
        videoId: clip.videoId,
        title,
        status,
        seconds: clip.seconds,
        maker,
        watchUrl: `${this.deps.publicUrl}/v/${clip.videoId}`,
        createdAt: clip.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Who made the clip that video `videoId` is (the video page's "Clipped by"); undefined for other videos. */
  makerOf(videoId: string): Promise<ChannelClip['maker'] | undefined> {
    return this.deps.clips.makerOfVideo(videoId);
  }

  async settings(userId: string, slug: string): Promise<ClipSettings> {
    const channelId = await this.owned(userId, slug);
    return { viewersMayClip: await this.deps.clips.viewersMayClip(channelId) };
  }

  async updateSettings(userId: string, slug: string, settings: ClipSettings): Promise<ClipSettings> {
    const channelId = await this.owned(userId, slug);
    await this.deps.clips.setViewersMayClip(channelId, settings.viewersMayClip);
    return settings;
  }

  private async owned(userId: string, slug: string): Promise<string> {
    const channel = await this.deps.channels.reference(slug);
    if (channel.ownerId !== userId) throw forbidden('Only the channel owner changes its clip settings.');
    return channel.id;
  }

  private toClip(row: ClipRow): Clip {
    return {
      id: row.id,
      videoId: row.videoId,
      liveSessionId: row.liveSessionId,
      sourceVideoId: row.sourceVideoId,
      makerId: row.makerId,
      seconds: row.seconds,
      startSeconds: row.startMs === null ? null : row.startMs / 1000,
      watchUrl: `${this.deps.publicUrl}/v/${row.videoId}`,
      createdAt: row.createdAt.toISOString(),
    };
  }
}
