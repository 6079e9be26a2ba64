/**
 * Follower counts shown on channels: a read-only join on engagement's `follows`, which engagement exports
 * for reads (packages/db/src/read-exports.ts). Engagement builds on the channels module, so channels
 * cannot call its service; engagement's FollowsRepository counts through this class instead, so that the
 * query has one owner.
 */
import type { Db } from '@streamhub/db/client';
import { follows } from '@streamhub/db/schema/engagement';
import { count, inArray } from 'drizzle-orm';
import type { FollowerCounts } from './channels.service.ts';

export class FollowsReadModel implements FollowerCounts {
  constructor(private readonly db: Db) {}

  /** Follower counts of several channels in one query; channels without followers are absent. */
  async countByChannel(channelIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (channelIds.length === 0) return counts;
    const rows = await this.db
      .select({ channelId: follows.channelId, followers: count() })
      .from(follows)
      .where(inArray(follows.channelId, channelIds))
      .groupBy(follows.channelId);
    for (const row of rows) counts.set(row.channelId, Number(row.followers));
    return counts;
  }
}
