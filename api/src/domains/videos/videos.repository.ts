/** drizzle queries on `content.*`. No rules here: the videos and uploads services decide. */
import type { Db } from '@streamhub/db/client';
import { InvalidCursorError } from '@streamhub/db/errors';
import { keysetTimestamp } from '@streamhub/db/keyset';
import { channels } from '@streamhub/db/schema/channels';
import { subscriptionPerksHeld, subscriptions } from '@streamhub/db/schema/payments';
import { users } from '@streamhub/db/schema/users';
import {
  type UploadRow,
  uploads,
  type VideoRendition,
  type VideoRow,
  type VideoStatus,
  type VideoVisibility,
  videos,
} from '@streamhub/db/schema/videos';
import { and, desc, eq, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { InTransaction } from '../../events/durable.ts';

/** A video with what its response shows of its owner and channel. */
export interface VideoView {
  video: VideoRow;
  owner: { username: string; displayName: string | null };
  channel: { slug: string; title: string } | null;
}

/** A recorded broadcast's video, with what deciding who may find it needs. */
export type RecordingVideo = Pick<VideoRow, 'id' | 'ownerId' | 'visibility' | 'status'> & {
  liveSessionId: string;
};

export interface NewVideo {
  ownerId: string;
  channelId: string | null;
  title: string;
  description: string;
  tags: string[];
  category: string;
  visibility: VideoVisibility;
}

export type VideoPatch = Partial<
  Pick<NewVideo, 'title' | 'description' | 'tags' | 'category' | 'visibility'>
>;

export interface NewRecording extends NewVideo {
  liveSessionId: string;
  recordingPlaybackId: string;
}

export type LibrarySort = 'newest' | 'most_viewed' | 'relevance';

export interface LibraryOptions {
  sort: LibrarySort;
  category?: string;
  tag?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What processing learned of the video. */
export interface ReadyFields {
  durationMs: number;
  width: number;
  height: number;
  renditions: VideoRendition[];
}

const viewColumns = {
  video: videos,
  owner: { username: users.username, displayName: users.displayName },
  channel: { slug: channels.slug, title: channels.title },
};

// Cursors name their list's order, so a cursor from another sort is refused rather than misread.
type CursorKey = [sort: string, key: string, id: string];

function encode(sort: string, key: string, id: string): string {
  return Buffer.from(JSON.stringify([sort, key, id] satisfies CursorKey)).toString('base64url');
}

function decode(sort: string, cursor: string): { key: string; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== sort) throw new InvalidCursorError();
  const [, key, id] = value;
  if (typeof key !== 'string' || !KEY[sort]?.test(key)) throw new InvalidCursorError();
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidCursorError();
  return { key, id };
}

/**
 * ts_rank's weights for D, C, B, A. Tags come from array_to_tsvector, whose lexemes have no positions, so
 * setweight cannot mark them B and ts_rank counts them as D: D gets B's weight, keeping title > tags >
 * description (nothing else in the column is D).
 */
const RANK_WEIGHTS = sql.raw(`'{0.4, 0.2, 0.4, 1.0}'::float4[]`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const KEY: Record<string, RegExp> = {
  newest: TIMESTAMP,
  created: TIMESTAMP,
  most_viewed: /^\d{1,19}$/,
  relevance: /^-?\d+(\.\d+)?(e-?\d+)?$/i,
};

export class VideosRepository {
  constructor(private readonly db: Db) {}

  // --- videos --------------------------------------------------------------------------------------

  /**
   * Creates the video (status `uploading`) and its upload in one transaction. `admit` sees the owner's
   * {@link bytesUsed} first and throws to refuse; nothing is created then.
   *
   * Two creations of one owner must not both read the same total and together pass the quota, so the
   * transaction first locks the owner's row in auth.users: the second waits until the first committed
   * (or rolled back), and its sums, read after the lock, see the first's upload. The user row is the
   * natural per-owner mutex: it always exists, other owners are not blocked, and NO KEY UPDATE leaves
   * the foreign-key checks of other tables' inserts free. A SERIALIZABLE transaction would need a retry
   * loop, an advisory lock a hash of the id, and a running total column an update on every path that
   * changes bytes. PGlite has a single connection, so transactions there run one after another anyway;
   * the lock costs nothing and the code path is the same.
   */
  async createUpload(
    video: NewVideo,
    upload: { length: number; filename: string | null; expiresAt: Date },
    admit: (bytesUsed: number) => void = () => {},
  ): Promise<{ video: VideoRow; upload: UploadRow }> {
    return this.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, video.ownerId)).for('no key update');
      admit(await bytesUsedBy(tx, video.ownerId));
      const [row] = await tx.insert(videos).values(video).returning();
      if (!row) throw new Error('insert into content.videos returned no row');
      const [up] = await tx
        .insert(uploads)
        .values({ videoId: row.id, ownerId: video.ownerId, ...upload })
        .returning();
      if (!up) throw new Error('insert into content.uploads returned no row');
      return { video: row, upload: up };
    });
  }

  /** A clip's video (docs/clips.md): its source is already stored, so it is `uploaded` at once. */
  async createClip(video: NewVideo & { id: string }, sourceBytes: number): Promise<VideoRow> {
    const [row] = await this.db
      .insert(videos)
      .values({ ...video, source: 'upload', status: 'uploaded', sourceBytes })
      .returning();
    if (!row) throw new Error('insert into videos.videos returned no row');
    return row;
  }

  /** The recording's video, or undefined when this broadcast already has one (ended twice). */
  async createRecording(recording: NewRecording): Promise<VideoRow | undefined> {
    const [row] = await this.db
      .insert(videos)
      .values({ ...recording, source: 'recording', status: 'uploaded' })
      .onConflictDoNothing({ target: videos.liveSessionId })
      .returning();
    return row;
  }

  async findView(id: string): Promise<VideoView | undefined> {
    const [row] = await this.views().where(eq(videos.id, id));
    return row;
  }

  async find(id: string): Promise<VideoRow | undefined> {
    const [row] = await this.db.select().from(videos).where(eq(videos.id, id));
    return row;
  }

  /** Whether `userId` holds a subscription's perks on `channelId` now (payments' read-exported columns). */
  async holdsSubscription(userId: string, channelId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ subscriberId: subscriptions.subscriberId })
      .from(subscriptions)
      .where(subscriptionPerksHeld(channelId, userId))
      .limit(1);
    return row !== undefined;
  }

  /** The videos these broadcasts' recordings became (one at most each, by videos_live_session_unique). */
  async recordingsOf(liveSessionIds: readonly string[]): Promise<RecordingVideo[]> {
    if (liveSessionIds.length === 0) return [];
    const rows = await this.db
      .select({
        id: videos.id,
        liveSessionId: videos.liveSessionId,
        ownerId: videos.ownerId,
        visibility: videos.visibility,
        status: videos.status,
      })
      .from(videos)
      .where(inArray(videos.liveSessionId, [...liveSessionIds]));
    return rows.flatMap(({ liveSessionId, ...video }) =>
      liveSessionId ? [{ ...video, liveSessionId }] : [],
    );
  }

  async update(id: string, patch: VideoPatch): Promise<VideoRow | undefined> {
    const [row] = await this.db.update(videos).set(patch).where(eq(videos.id, id)).returning();
    return row;
  }

  async delete(id: string): Promise<VideoRow | undefined> {
    const [row] = await this.db.delete(videos).where(eq(videos.id, id)).returning();
    return row;
  }

  /** Ids of videos waiting for or in processing, oldest first. */
  async unfinished(): Promise<string[]> {
    const rows = await this.db
      .select({ id: videos.id })
      .from(videos)
      .where(inArray(videos.status, ['uploaded', 'processing']))
      .orderBy(videos.createdAt);
    return rows.map((row) => row.id);
  }

  /**
   * Moves the video to `status` only from one of `from`; undefined when it is elsewhere or gone. `then`
   * runs in the update's transaction (its durable event) when the video moved.
   */
  async transition(
    id: string,
    from: VideoStatus[],
    set: Partial<Pick<VideoRow, 'status' | 'progress' | 'failureReason' | 'readyAt'>> & Partial<ReadyFields>,
    then?: InTransaction<VideoRow>,
  ): Promise<VideoRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(videos)
        .set(set)
        .where(and(eq(videos.id, id), inArray(videos.status, from)))
        .returning();
      if (row) await then?.(tx, row);
      return row;
    });
  }

  /** Sets each video's view count (the analytics domain's counted views); unknown ids change nothing. */
  async setViewCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    for (const [id, viewCount] of counts) {
      await this.db.update(videos).set({ viewCount }).where(eq(videos.id, id));
    }
  }

  /** The owner of the video whose progress was set; undefined when it is not processing (or gone). */
  async setProgress(id: string, percent: number): Promise<string | undefined> {
    const [row] = await this.db
      .update(videos)
      .set({ progress: percent })
      .where(and(eq(videos.id, id), eq(videos.status, 'processing')))
      .returning({ ownerId: videos.ownerId });
    return row?.ownerId;
  }

  // --- uploads -------------------------------------------------------------------------------------

  async findUpload(videoId: string): Promise<UploadRow | undefined> {
    const [row] = await this.db.select().from(uploads).where(eq(uploads.videoId, videoId));
    return row;
  }

  /**
   * Makes `owner` the upload's only writer for `leaseMs`, unless another writer's lease is still running.
   * Returns the committed offset, or undefined when the upload is held by another writer or gone. Leases
   * are timed by the database's clock, so replicas' clocks do not matter.
   */
  async claimUploadWriter(videoId: string, owner: string, leaseMs: number): Promise<number | undefined> {
    const [row] = await this.db
      .update(uploads)
      .set({ patchOwner: owner, patchLeaseUntil: leaseEnd(leaseMs) })
      .where(
        and(
          eq(uploads.videoId, videoId),
          or(isNull(uploads.patchLeaseUntil), lt(uploads.patchLeaseUntil, sql`now()`)),
        ),
      )
      .returning({ offset: uploads.offset });
    return row?.offset;
  }

  /**
   * The writer `owner` moves the offset from `from` to `to` and keeps its lease `leaseMs` longer. False
   * when it is no longer the writer or the offset is not `from`: nothing changes then.
   */
  async renewUploadWriter(
    videoId: string,
    owner: string,
    move: { from: number; to: number },
    leaseMs: number,
  ): Promise<boolean> {
    return this.updateAsWriter(videoId, owner, move.from, {
      offset: move.to,
      patchLeaseUntil: leaseEnd(leaseMs),
    });
  }

  /** Like {@link renewUploadWriter}, but ends the lease, and the upload now expires at `expiresAt`. */
  async releaseUploadWriter(
    videoId: string,
    owner: string,
    move: { from: number; to: number },
    expiresAt: Date,
  ): Promise<boolean> {
    return this.updateAsWriter(videoId, owner, move.from, {
      offset: move.to,
      patchOwner: null,
      patchLeaseUntil: null,
      expiresAt,
    });
  }

  private async updateAsWriter(
    videoId: string,
    owner: string,
    offset: number,
    set: PgUpdateSetSource<typeof uploads>,
  ): Promise<boolean> {
    const rows = await this.db
      .update(uploads)
      .set(set)
      .where(and(eq(uploads.videoId, videoId), eq(uploads.patchOwner, owner), eq(uploads.offset, offset)))
      .returning({ videoId: uploads.videoId });
    return rows.length === 1;
  }

  /** Ends the upload: the video becomes `uploaded` with its source size. Undefined when it was not uploading. */
  async completeUpload(videoId: string, sourceBytes: number): Promise<VideoRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(videos)
        .set({ status: 'uploaded', sourceBytes, progress: 0 })
        .where(and(eq(videos.id, videoId), eq(videos.status, 'uploading')))
        .returning();
      if (row) await tx.delete(uploads).where(eq(uploads.videoId, videoId));
      return row;
    });
  }

  /** Ends the upload as refused: the video is `failed` with `reason`. */
  async rejectUpload(videoId: string, reason: string): Promise<VideoRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(videos)
        .set({ status: 'failed', failureReason: reason })
        .where(and(eq(videos.id, videoId), eq(videos.status, 'uploading')))
        .returning();
      await tx.delete(uploads).where(eq(uploads.videoId, videoId));
      return row;
    });
  }

  /** Bytes counted against the owner's quota: their videos' sources plus the declared size of their uploads. */
  async bytesUsed(ownerId: string): Promise<number> {
    return bytesUsedBy(this.db, ownerId);
  }

  /** Uploads whose expiry passed, oldest first; not while a PATCH writes (it extends the expiry at its end). */
  async expiredUploads(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ videoId: uploads.videoId })
      .from(uploads)
      .where(
        and(
          lte(uploads.expiresAt, now),
          or(isNull(uploads.patchLeaseUntil), lt(uploads.patchLeaseUntil, sql`now()`)),
        ),
      )
      .orderBy(uploads.expiresAt)
      .limit(limit);
    return rows.map((row) => row.videoId);
  }

  // --- lists ---------------------------------------------------------------------------------------

  /** The public library: public and ready videos, filtered, by one of three orders. */
  async library(options: LibraryOptions): Promise<Page<VideoView>> {
    const filters: SQL[] = [eq(videos.visibility, 'public'), eq(videos.status, 'ready')];
    if (options.category) filters.push(eq(videos.category, options.category));
    if (options.tag) filters.push(sql`${videos.tags} @> array[${options.tag}]::text[]`);
    const query = options.q === undefined ? undefined : sql`websearch_to_tsquery('simple', ${options.q})`;
    if (query) filters.push(sql`${videos.search} @@ ${query}`);

    // Each order is a keyset: (key desc, id desc), the key selected as text so the cursor round-trips exactly.
    const order = {
      newest: { key: keysetTimestamp(videos.readyAt), column: sql`${videos.readyAt}`, cast: 'timestamptz' },
      most_viewed: {
        key: sql<string>`${videos.viewCount}::text`,
        column: sql`${videos.viewCount}`,
        cast: 'bigint',
      },
      relevance: {
        key: sql<string>`ts_rank(${RANK_WEIGHTS}, ${videos.search}, ${query ?? sql`''::tsquery`})::text`,
        column: sql`ts_rank(${RANK_WEIGHTS}, ${videos.search}, ${query ?? sql`''::tsquery`})`,
        cast: 'real',
      },
    }[options.sort];
    if (options.cursor) {
      const { key, id } = decode(options.sort, options.cursor);
      filters.push(sql`(${order.column}, ${videos.id}) < (${key}::${sql.raw(order.cast)}, ${id}::uuid)`);
    }
    const rows = await this.keyedViews(order.key)
      .where(and(...filters))
      .orderBy(desc(order.column), desc(videos.id))
      .limit(options.limit + 1);
    return page(rows, options.limit, (row) => encode(options.sort, row.key, row.video.id));
  }

  /**
   * A channel's videos, newest first; `publicOnly` keeps the ready ones anyone may find there: public,
   * and for subscribers (listed so that viewers see what subscribing gets them).
   */
  async byChannel(channelId: string, publicOnly: boolean, options: { limit: number; cursor?: string }) {
    const filters: SQL[] = [eq(videos.channelId, channelId)];
    if (publicOnly) {
      filters.push(inArray(videos.visibility, ['public', 'subscribers']), eq(videos.status, 'ready'));
    }
    return this.newestCreated(filters, options);
  }

  /** The owner's videos in any status, newest first. */
  async byOwner(ownerId: string, options: { limit: number; cursor?: string }) {
    return this.newestCreated([eq(videos.ownerId, ownerId)], options);
  }

  private async newestCreated(filters: SQL[], options: { limit: number; cursor?: string }) {
    if (options.cursor) {
      const { key, id } = decode('created', options.cursor);
      filters.push(sql`(${videos.createdAt}, ${videos.id}) < (${key}::timestamptz, ${id}::uuid)`);
    }
    const rows = await this.keyedViews(keysetTimestamp(videos.createdAt))
      .where(and(...filters))
      .orderBy(desc(videos.createdAt), desc(videos.id))
      .limit(options.limit + 1);
    return page(rows, options.limit, (row) => encode('created', row.key, row.video.id));
  }

  private views() {
    return this.db
      .select(viewColumns)
      .from(videos)
      .innerJoin(users, eq(users.id, videos.ownerId))
      .leftJoin(channels, eq(channels.id, videos.channelId))
      .$dynamic();
  }

  /** Views with their position in a keyset order, selected as text. */
  private keyedViews(key: SQL<string>) {
    return this.db
      .select({ ...viewColumns, key })
      .from(videos)
      .innerJoin(users, eq(users.id, videos.ownerId))
      .leftJoin(channels, eq(channels.id, videos.channelId))
      .$dynamic();
  }
}

const leaseEnd = (leaseMs: number) => sql`now() + ${leaseMs}::integer * interval '1 millisecond'`;

async function bytesUsedBy(db: Pick<Db, 'select'>, ownerId: string): Promise<number> {
  const [sources] = await db
    .select({ bytes: sql<string>`coalesce(sum(${videos.sourceBytes}), 0)::text` })
    .from(videos)
    .where(eq(videos.ownerId, ownerId));
  const [pending] = await db
    .select({ bytes: sql<string>`coalesce(sum(${uploads.length}), 0)::text` })
    .from(uploads)
    .where(eq(uploads.ownerId, ownerId));
  return Number(sources?.bytes ?? 0) + Number(pending?.bytes ?? 0);
}

function page<R extends VideoView & { key: string }>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
): Page<VideoView> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return {
    items: items.map(({ video, owner, channel }) => ({ video, owner, channel })),
    nextCursor: more && last ? cursorOf(last) : null,
  };
}
