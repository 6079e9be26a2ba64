/**
 * A channel's broadcasts, live and past, so that clients can show them and find their ids (likes,
 * comments) and the videos their recordings became. No HTTP here.
 *
 * Its own service rather than a method of ChannelsService: the videos domain builds on the channels
 * service, and this list reads the videos service in turn.
 */
import type { Broadcast, BroadcastPage, BroadcastsQuery } from '@streamhub/contracts/channels';
import type { IngestInfo } from '@streamhub/db/schema/channels';
import { notFound } from '@streamhub/errors/app-error';
import { withCursor } from '../../http/pagination.ts';
import type { AuthContext } from '../auth/session.service.ts';
import type { BroadcastRow, ChannelsRepository } from './channels.repository.ts';

/** The videos domain's answer to "which video did each of these recordings become, for this caller?". */
export interface RecordingVideos {
  recordingsOf(
    liveSessionIds: readonly string[],
    caller: AuthContext | undefined,
  ): Promise<Map<string, string>>;
}

export interface BroadcastsServiceDeps {
  channels: Pick<ChannelsRepository, 'findBySlug' | 'listBroadcasts'>;
  recordings: RecordingVideos;
}

export class BroadcastsService {
  constructor(private readonly deps: BroadcastsServiceDeps) {}

  /** Newest first; unknown slug → AppError `not_found`, a foreign cursor → `validation_failed`. */
  async list(slug: string, caller: AuthContext | undefined, query: BroadcastsQuery): Promise<BroadcastPage> {
    const view = await this.deps.channels.findBySlug(slug);
    if (!view) throw notFound('Channel');
    const page = await withCursor(() =>
      this.deps.channels.listBroadcasts(view.channel.id, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
    const recorded = page.items.filter((broadcast) => broadcast.recorded).map((broadcast) => broadcast.id);
    const videos =
      recorded.length > 0
        ? await this.deps.recordings.recordingsOf(recorded, caller)
        : new Map<string, string>();
    return {
      items: page.items.map((broadcast) => toBroadcast(broadcast, videos.get(broadcast.id) ?? null)),
      nextCursor: page.nextCursor,
    };
  }
}

function toBroadcast(row: BroadcastRow, videoId: string | null): Broadcast {
  return {
    id: row.id,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    peakViewers: row.peakViewers,
    ingest: row.ingest ? ingestSummary(row.ingest) : null,
    recorded: row.recorded,
    videoId,
  };
}

function ingestSummary(ingest: IngestInfo): Broadcast['ingest'] {
  return {
    videoCodec: ingest.videoCodec ?? null,
    audioCodec: ingest.audioCodec ?? null,
    resolution:
      ingest.width !== undefined && ingest.height !== undefined ? `${ingest.width}x${ingest.height}` : null,
    bitrate: ingest.bitrate === undefined ? null : Math.round(ingest.bitrate),
  };
}
