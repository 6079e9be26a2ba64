/** Queries of the clips domain (tables `clips.clips` and `clips.channel_settings`). */
import type { VideoStatus } from '@streamhub/contracts/videos';
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import { clipChannelSettings, clips } from '@streamhub/db/schema/clips';
import { users } from '@streamhub/db/schema/users';
import { videos } from '@streamhub/db/schema/videos';
import { and, count, desc, eq, gt, type SQL } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';

export type ClipRow = typeof clips.$inferSelect;

/** A clip with its video's title and state and its maker's names (read-only joins, READ_EXPORTS). */
export interface ClipListing {
  clip: ClipRow;
  title: string;
  status: VideoStatus;
  maker: { username: string; displayName: string | null };
}

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

  /**
   * The channel's clips, newest first, by keyset going backwards; `publicOnly`: only those whose video
   * is ready and public (what anyone may see). Throws `InvalidCursorError`.
   */
  async byChannel(
    channelId: string,
    options: PageOptions & { publicOnly: boolean },
  ): Promise<Page<ClipListing>> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(clips.channelId, channelId)];
    if (options.publicOnly) filters.push(eq(videos.status, 'ready'), eq(videos.visibility, 'public'));
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(clips.createdAt, clips.id, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({
        clip: clips,
        title: videos.title,
        status: videos.status,
        username: users.username,
        displayName: users.displayName,
        createdAtKey: keysetTimestamp(clips.createdAt),
      })
      .from(clips)
      .innerJoin(videos, eq(videos.id, clips.videoId))
      .innerJoin(users, eq(users.id, clips.makerId))
      .where(and(...filters))
      .orderBy(desc(clips.createdAt), desc(clips.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({ createdAt: row.createdAtKey, id: row.clip.id }));
    return {
      items: page.items.map((row) => ({
        clip: row.clip,
        title: row.title,
        status: row.status,
        maker: { username: row.username, displayName: row.displayName },
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Who made the clip that video `videoId` is; undefined when it is not a clip. */
  async makerOfVideo(videoId: string): Promise<ClipListing['maker'] | undefined> {
    const [row] = await this.db
      .select({ username: users.username, displayName: users.displayName })
      .from(clips)
      .innerJoin(users, eq(users.id, clips.makerId))
      .where(eq(clips.videoId, videoId))
      .limit(1);
    return row;
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
