/** drizzle queries on `content.*`. No rules here: the videos and uploads services decide. */
import type { Db } from '@streamhub/db/client';
import { InvalidCursorError } from '@streamhub/db/errors';
import { keysetTimestamp } from '@streamhub/db/keyset';
import { users } from '@streamhub/db/schema/auth';
import {
  type UploadRow,
  uploads,
  type VideoRendition,
  type VideoRow,
  type VideoStatus,
  type VideoVisibility,
  videos,
} from '@streamhub/db/schema/content';
import { channels } from '@streamhub/db/schema/live';
import { and, desc, eq, inArray, lte, type SQL, sql } from 'drizzle-orm';

/** A video with what its response shows of its owner and channel. */
export interface VideoView {
  video: VideoRow;
  owner: { username: string; displayName: string | null };
  channel: { slug: string; title: string } | null;
}

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

  /** Creates the video (status `uploading`) and its upload in one transaction. */
  async createUpload(
    video: NewVideo,
    upload: { length: number; filename: string | null; expiresAt: Date },
  ): Promise<{ video: VideoRow; upload: UploadRow }> {
    return this.db.transaction(async (tx) => {
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

  /** Moves the video to `status` only from one of `from`; undefined when it is elsewhere or gone. */
  async transition(
    id: string,
    from: VideoStatus[],
    set: Partial<Pick<VideoRow, 'status' | 'progress' | 'failureReason' | 'readyAt'>> & Partial<ReadyFields>,
  ): Promise<VideoRow | undefined> {
    const [row] = await this.db
      .update(videos)
      .set(set)
      .where(and(eq(videos.id, id), inArray(videos.status, from)))
      .returning();
    return row;
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

  async extendUpload(videoId: string, expiresAt: Date): Promise<void> {
    await this.db.update(uploads).set({ expiresAt }).where(eq(uploads.videoId, videoId));
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
    const [sources] = await this.db
      .select({ bytes: sql<string>`coalesce(sum(${videos.sourceBytes}), 0)::text` })
      .from(videos)
      .where(eq(videos.ownerId, ownerId));
    const [pending] = await this.db
      .select({ bytes: sql<string>`coalesce(sum(${uploads.length}), 0)::text` })
      .from(uploads)
      .where(eq(uploads.ownerId, ownerId));
    return Number(sources?.bytes ?? 0) + Number(pending?.bytes ?? 0);
  }

  /** Uploads whose expiry passed, oldest first. */
  async expiredUploads(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ videoId: uploads.videoId })
      .from(uploads)
      .where(lte(uploads.expiresAt, now))
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

  /** A channel's videos, newest first; `publicOnly` keeps the public, ready ones. */
  async byChannel(channelId: string, publicOnly: boolean, options: { limit: number; cursor?: string }) {
    const filters: SQL[] = [eq(videos.channelId, channelId)];
    if (publicOnly) filters.push(eq(videos.visibility, 'public'), eq(videos.status, 'ready'));
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
