/**
 * What the analytics domain reads of other domains' tables, read-only and only through their exported
 * columns (packages/db/src/read-exports.ts): the broadcasts live now (for presence samples and the
 * instance gauges) and the videos waiting for or in transcoding (the queue gauges).
 */
import type { Db } from '@streamhub/db/client';
import { liveSessions } from '@streamhub/db/schema/channels';
import { videos } from '@streamhub/db/schema/videos';
import { eq, inArray, sql } from 'drizzle-orm';

export interface LiveBroadcast {
  liveSessionId: string;
  channelId: string;
  /** The media node holding it, or '' before one said so. */
  nodeId: string;
  /** The ingest's running average bitrate in bits per second, once the node has sampled it. */
  bitrate: number | null;
}

export interface TranscodeQueue {
  /** Videos uploaded and waiting, or being transcoded. */
  depth: number;
  /** Seconds since the longest-waiting of them last changed state; 0 when none waits. */
  oldestAgeSeconds: number;
}

export class InstanceStateRepository {
  constructor(private readonly db: Db) {}

  async liveBroadcasts(): Promise<LiveBroadcast[]> {
    const rows = await this.db
      .select({
        id: liveSessions.id,
        channelId: liveSessions.channelId,
        nodeId: liveSessions.nodeId,
        ingest: liveSessions.ingest,
      })
      .from(liveSessions)
      .where(eq(liveSessions.status, 'live'));
    return rows.map((row) => ({
      liveSessionId: row.id,
      channelId: row.channelId,
      nodeId: row.nodeId ?? '',
      bitrate: typeof row.ingest?.bitrate === 'number' ? row.ingest.bitrate : null,
    }));
  }

  async transcodeQueue(now: Date): Promise<TranscodeQueue> {
    const [row] = await this.db
      .select({ depth: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${videos.updatedAt})` })
      .from(videos)
      .where(inArray(videos.status, ['uploaded', 'processing']));
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : undefined;
    return {
      depth: Number(row?.depth ?? 0),
      oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    };
  }
}
