/** Queries of the clips domain (tables `clips.clips` and `clips.channel_settings`). */
import type { Db } from '@streamhub/db/client';
import { clipChannelSettings, clips } from '@streamhub/db/schema/clips';
import { and, count, eq, gt } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

export type ClipRow = typeof clips.$inferSelect;

export class ClipsRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the clip and runs `then` (its `clip.created` event) in the same transaction. */
  insert(row: typeof clips.$inferInsert, then: InTransaction<ClipRow>): Promise<ClipRow> {
    return this.db.transaction(async (tx) => {
      const [created] = await tx.insert(clips).values(row).returning();
      if (!created) throw new Error('insert into clips.clips returned no row');
      await then(tx, created);
      return created;
    });
  }

  async madeSince(makerId: string, since: Date): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(clips)
      .where(and(eq(clips.makerId, makerId), gt(clips.createdAt, since)));
    return row?.n ?? 0;
  }

  async viewersMayClip(channelId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ allowed: clipChannelSettings.viewersMayClip })
      .from(clipChannelSettings)
      .where(eq(clipChannelSettings.channelId, channelId));
    return row?.allowed ?? false;
  }

  async setViewersMayClip(channelId: string, allowed: boolean): Promise<void> {
    await this.db
      .insert(clipChannelSettings)
      .values({ channelId, viewersMayClip: allowed })
      .onConflictDoUpdate({
        target: clipChannelSettings.channelId,
        set: { viewersMayClip: allowed, updatedAt: new Date() },
      });
  }
}
