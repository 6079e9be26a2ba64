/** drizzle queries on `live.*`. No rules here: the channels service decides who may do what. */
import type { Db } from '@streamhub/db/client';
import { toUniqueViolation } from '@streamhub/db/errors';
import {
  decodeCursor,
  encodeCursor,
  keysetAfter,
  keysetBefore,
  keysetPage,
  keysetTimestamp,
} from '@streamhub/db/keyset';
import {
  type ChannelRow,
  channels,
  type IngestInfo,
  type LiveSessionRow,
  type LiveSessionStatus,
  liveSessions,
  type StreamKeyRow,
  streamKeys,
} from '@streamhub/db/schema/channels';
import { type UserStatus, users } from '@streamhub/db/schema/users';
import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, type SQL, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';

/** A session `endSession` ended, with its channel's slug. */
export interface EndedSession {
  session: LiveSessionRow;
  slug: string;
}

export type ChannelUniqueField = 'owner' | 'slug';
export type SessionUniqueField = 'live' | 'playbackId';

// Index names from packages/db/src/schema/channels.ts, in the terms the service maps to messages.
const CHANNEL_UNIQUE: Readonly<Record<string, ChannelUniqueField>> = {
  channels_owner_unique: 'owner',
  channels_slug_lower_unique: 'slug',
};
const SESSION_UNIQUE: Readonly<Record<string, SessionUniqueField>> = {
  live_sessions_one_live_per_channel: 'live',
  live_sessions_playback_id_unique: 'playbackId',
};

export interface NewChannel {
  ownerId: string;
  slug: string;
  title: string;
  category: string;
  tags: string[];
  language: string;
  record: boolean;
  /** null: the instance decides (LIVE_LL_HLS). */
  lowLatency?: boolean | null;
}

export type ChannelPatch = Partial<
  Pick<NewChannel, 'title' | 'category' | 'tags' | 'language' | 'record' | 'lowLatency'>
>;

export interface ChannelOwner {
  username: string;
  displayName: string | null;
  status: UserStatus;
}

/** A channel with what its public page needs: the owner and the live session, if any. */
export interface ChannelView {
  channel: ChannelRow;
  owner: ChannelOwner;
  session: LiveSessionRow | null;
}

export interface DirectoryOptions {
  limit: number;
  cursor?: string;
  category?: string;
}

/** A live session still held by a media node, with what ending it needs. */
export interface HeldSession {
  sessionId: string;
  playbackId: string;
  /** The channel records: the node's files may be a recording worth closing and keeping. */
  record: boolean;
}

/** A live session with the media node it is stored under (null: opened without a node id). */
export interface SessionHolder extends HeldSession {
  nodeId: string | null;
}

/** A session and the channel it belongs to, for domains that attach data to broadcasts. */
export interface SessionWithChannel {
  sessionId: string;
  status: LiveSessionStatus;
  channelId: string;
  slug: string;
  ownerId: string;
}

/** A broadcast's ids, for removing what other domains attached to it. */
export interface BroadcastIds {
  id: string;
  playbackId: string;
}

/** What a channel's list of broadcasts shows of one: nothing that names a key, a node or the files. */
export type BroadcastRow = Pick<
  LiveSessionRow,
  'id' | 'status' | 'startedAt' | 'endedAt' | 'ingest' | 'peakViewers' | 'recorded'
>;

/** Where a broadcast stands, for deciding whether its files may go. */
export type PlaybackSessionState = 'live' | 'recorded' | 'ended';

export interface PublishCandidate {
  key: StreamKeyRow;
  channel: ChannelRow;
  ownerStatus: UserStatus;
}

const ownerColumns = { username: users.username, displayName: users.displayName, status: users.status };

export class ChannelsRepository {
  constructor(private readonly db: Db) {}

  /** Throws `UniqueViolationError<ChannelUniqueField>` when the owner has a channel or the slug is taken. */
  async createChannel(input: NewChannel): Promise<ChannelRow> {
    try {
      const [row] = await this.db.insert(channels).values(input).returning();
      if (!row) throw new Error('insert into live.channels returned no row');
      return row;
    } catch (error) {
      throw toUniqueViolation(error, CHANNEL_UNIQUE) ?? error;
    }
  }

  async updateChannel(id: string, patch: ChannelPatch): Promise<ChannelRow | undefined> {
    const [row] = await this.db.update(channels).set(patch).where(eq(channels.id, id)).returning();
    return row;
  }

  async findBySlug(slug: string): Promise<ChannelView | undefined> {
    // Must match the expression of channels_slug_lower_unique for the index to be used.
    return this.findView(sql`lower(${channels.slug}) = lower(${slug})`);
  }

  async findByOwner(ownerId: string): Promise<ChannelView | undefined> {
    return this.findView(eq(channels.ownerId, ownerId));
  }

  /** Live channels, earliest broadcast first, by keyset on the session's (started_at, id). */
  async listLive(options: DirectoryOptions): Promise<{ items: ChannelView[]; nextCursor: string | null }> {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    }
    const position = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const filters: (SQL | undefined)[] = [eq(liveSessions.status, 'live')];
    if (position) filters.push(keysetAfter(liveSessions.startedAt, liveSessions.id, position));
    if (options.category) filters.push(eq(channels.category, options.category));
    const rows = await this.db
      .select({
        channel: channels,
        owner: ownerColumns,
        session: liveSessions,
        startedAtKey: keysetTimestamp(liveSessions.startedAt),
      })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .innerJoin(users, eq(users.id, channels.ownerId))
      .where(and(...filters))
      .orderBy(asc(liveSessions.startedAt), asc(liveSessions.id))
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ channel, owner, session }) => ({ channel, owner, session })),
      nextCursor:
        rows.length > options.limit && last
          ? encodeCursor({ createdAt: last.startedAtKey, id: last.session.id })
          : null,
    };
  }

  /**
   * Channels whose slug, title, tags or owner's names contain every word (case-insensitive), live ones
   * first, then by title. A substring scan: fine for an instance's channels, and words are matched as
   * text (LIKE's `%`, `_` and `\` are escaped).
   */
  async search(words: readonly string[], limit: number): Promise<ChannelView[]> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const haystack = sql`concat_ws(' ', ${channels.slug}, ${channels.title}, array_to_string(${channels.tags}, ' '), ${users.username}, ${users.displayName})`;
    const matches = words.map((word) => sql`${haystack} ilike ${`%${word.replace(/[\\%_]/g, '\\$&')}%`}`);
    return this.db
      .select({ channel: channels, owner: ownerColumns, session: liveSessions })
      .from(channels)
      .innerJoin(users, eq(users.id, channels.ownerId))
      .leftJoin(liveSessions, and(eq(liveSessions.channelId, channels.id), eq(liveSessions.status, 'live')))
      .where(and(...matches))
      .orderBy(sql`${liveSessions.id} is null`, asc(sql`lower(${channels.title})`), asc(channels.id))
      .limit(limit);
  }

  // --- stream keys -----------------------------------------------------------------------------------

  async createKey(channelId: string, name: string, keyHash: string, prefix: string): Promise<StreamKeyRow> {
    const [row] = await this.db.insert(streamKeys).values({ channelId, name, keyHash, prefix }).returning();
    if (!row) throw new Error('insert into live.stream_keys returned no row');
    return row;
  }

  async listKeys(channelId: string): Promise<StreamKeyRow[]> {
    return this.db
      .select()
      .from(streamKeys)
      .where(eq(streamKeys.channelId, channelId))
      .orderBy(asc(streamKeys.createdAt), asc(streamKeys.id));
  }

  async findKey(channelId: string, id: string): Promise<StreamKeyRow | undefined> {
    const [row] = await this.db
      .select()
      .from(streamKeys)
      .where(and(eq(streamKeys.channelId, channelId), eq(streamKeys.id, id)))
      .limit(1);
    return row;
  }

  /** Revokes the key if it is not already; returns the key as it now is and whether this call revoked it. */
  async revokeKey(
    channelId: string,
    id: string,
  ): Promise<{ key: StreamKeyRow; revokedNow: boolean } | undefined> {
    const [revoked] = await this.db
      .update(streamKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(streamKeys.channelId, channelId), eq(streamKeys.id, id), isNull(streamKeys.revokedAt)))
      .returning();
    if (revoked) return { key: revoked, revokedNow: true };
    const key = await this.findKey(channelId, id);
    return key ? { key, revokedNow: false } : undefined;
  }

  /**
   * Revokes an active key and creates its replacement in one transaction. Undefined when the key is
   * unknown or already revoked (two concurrent rotations: exactly one wins).
   */
  async rotateKey(
    channelId: string,
    id: string,
    replacement: { keyHash: string; prefix: string },
  ): Promise<StreamKeyRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [old] = await tx
        .update(streamKeys)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(streamKeys.channelId, channelId), eq(streamKeys.id, id), isNull(streamKeys.revokedAt)))
        .returning();
      if (!old) return undefined;
      const [created] = await tx
        .insert(streamKeys)
        .values({ channelId, name: old.name, ...replacement })
        .returning();
      return created;
    });
  }

  // --- sessions --------------------------------------------------------------------------------------

  async findKeyForPublish(keyHash: string): Promise<PublishCandidate | undefined> {
    const [row] = await this.db
      .select({ key: streamKeys, channel: channels, ownerStatus: users.status })
      .from(streamKeys)
      .innerJoin(channels, eq(channels.id, streamKeys.channelId))
      .innerJoin(users, eq(users.id, channels.ownerId))
      .where(eq(streamKeys.keyHash, keyHash))
      .limit(1);
    return row;
  }

  /**
   * Opens a live session and stamps the key as used. Throws `UniqueViolationError<SessionUniqueField>`
   * `live` when the channel already has a live session (the partial unique index decides races).
   */
  async startSession(
    channelId: string,
    keyId: string,
    playbackId: string,
    nodeId: string | null = null,
    then?: InTransaction<LiveSessionRow>,
  ): Promise<LiveSessionRow> {
    try {
      return await this.db.transaction(async (tx) => {
        const [session] = await tx
          .insert(liveSessions)
          .values({ channelId, playbackId, streamKeyId: keyId, nodeId })
          .returning();
        if (!session) throw new Error('insert into live.live_sessions returned no row');
        await tx.update(streamKeys).set({ lastUsedAt: sql`now()` }).where(eq(streamKeys.id, keyId));
        await then?.(tx, session);
        return session;
      });
    } catch (error) {
      throw toUniqueViolation(error, SESSION_UNIQUE) ?? error;
    }
  }

  /**
   * Ends a live session, merging `ingest` into its ingest details; undefined when it is unknown or
   * already ended. `then` runs in the same transaction when it ended the session.
   */
  async endSession(
    sessionId: string,
    recorded: boolean,
    ingest?: IngestInfo,
    then?: InTransaction<EndedSession>,
  ): Promise<EndedSession | undefined> {
    if (!isUuid(sessionId)) return undefined;
    return this.db.transaction(async (tx) => {
      const [session] = await tx
        .update(liveSessions)
        .set({
          status: 'ended',
          endedAt: sql`now()`,
          recorded,
          ...(ingest ? { ingest: mergedIngest(ingest) } : {}),
        })
        .where(and(eq(liveSessions.id, sessionId), eq(liveSessions.status, 'live')))
        .returning();
      if (!session) return undefined;
      const [channel] = await tx
        .select({ slug: channels.slug })
        .from(channels)
        .where(eq(channels.id, session.channelId));
      const ended = { session, slug: channel?.slug ?? '' };
      await then?.(tx, ended);
      return ended;
    });
  }

  async findSessionByPlaybackId(playbackId: string): Promise<LiveSessionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(liveSessions)
      .where(eq(liveSessions.playbackId, playbackId))
      .limit(1);
    return row;
  }

  async findSession(sessionId: string): Promise<LiveSessionRow | undefined> {
    if (!isUuid(sessionId)) return undefined;
    const [row] = await this.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)).limit(1);
    return row;
  }

  /** A session, live or ended, with the slug and owner of its channel. */
  async findSessionWithChannel(sessionId: string): Promise<SessionWithChannel | undefined> {
    if (!isUuid(sessionId)) return undefined;
    const [row] = await this.db
      .select({
        sessionId: liveSessions.id,
        status: liveSessions.status,
        channelId: channels.id,
        slug: channels.slug,
        ownerId: channels.ownerId,
      })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .where(eq(liveSessions.id, sessionId))
      .limit(1);
    return row;
  }

  /**
   * Merges `ingest` into a live session's ingest details (codecs and bitrate arrive at different times);
   * returns the updated session, or undefined when it is unknown or over: a late running figure must not
   * overwrite the final one that `endSession` stored.
   */
  async setIngest(sessionId: string, ingest: IngestInfo): Promise<LiveSessionRow | undefined> {
    if (!isUuid(sessionId)) return undefined;
    const [row] = await this.db
      .update(liveSessions)
      .set({ ingest: mergedIngest(ingest) })
      .where(and(eq(liveSessions.id, sessionId), eq(liveSessions.status, 'live')))
      .returning();
    return row;
  }

  /** Raises the live session's peak viewer count to `count` if that is higher; replicas may race, the greatest wins. */
  async raisePeakViewers(channelId: string, count: number): Promise<void> {
    await this.db
      .update(liveSessions)
      .set({ peakViewers: sql`greatest(${liveSessions.peakViewers}, ${count})` })
      .where(and(eq(liveSessions.channelId, channelId), eq(liveSessions.status, 'live')));
  }

  /** The live session of the channel `ownerId` owns, if it is live. */
  async findLiveSessionByOwner(ownerId: string): Promise<LiveSessionRow | undefined> {
    if (!isUuid(ownerId)) return undefined;
    const [row] = await this.db
      .select({ session: liveSessions })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .where(and(eq(channels.ownerId, ownerId), eq(liveSessions.status, 'live')))
      .limit(1);
    return row?.session;
  }

  /** The live session that was accepted with stream key `keyId`, if any. */
  async findLiveSessionByKey(keyId: string): Promise<LiveSessionRow | undefined> {
    if (!isUuid(keyId)) return undefined;
    const [row] = await this.db
      .select()
      .from(liveSessions)
      .where(and(eq(liveSessions.streamKeyId, keyId), eq(liveSessions.status, 'live')))
      .limit(1);
    return row;
  }

  /** Sessions still live under media node `nodeId`. */
  async listLiveSessionsOfNode(nodeId: string): Promise<HeldSession[]> {
    return this.db
      .select({ sessionId: liveSessions.id, playbackId: liveSessions.playbackId, record: channels.record })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .where(and(eq(liveSessions.nodeId, nodeId), eq(liveSessions.status, 'live')));
  }

  /** The channel's live session and the node holding it, if it is live. */
  async findLiveHolder(channelId: string): Promise<SessionHolder | undefined> {
    const [row] = await this.db
      .select({
        sessionId: liveSessions.id,
        playbackId: liveSessions.playbackId,
        record: channels.record,
        nodeId: liveSessions.nodeId,
      })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .where(and(eq(liveSessions.channelId, channelId), eq(liveSessions.status, 'live')))
      .limit(1);
    return row;
  }

  /** Sessions live under a media node other than `nodeId` (those opened without one are left out). */
  async listLiveSessionsOfOtherNodes(nodeId: string): Promise<(HeldSession & { nodeId: string })[]> {
    const rows = await this.db
      .select({
        sessionId: liveSessions.id,
        playbackId: liveSessions.playbackId,
        record: channels.record,
        nodeId: liveSessions.nodeId,
      })
      .from(liveSessions)
      .innerJoin(channels, eq(channels.id, liveSessions.channelId))
      .where(
        and(eq(liveSessions.status, 'live'), isNotNull(liveSessions.nodeId), ne(liveSessions.nodeId, nodeId)),
      );
    return rows.flatMap(({ nodeId: holder, ...session }) =>
      holder === null ? [] : [{ ...session, nodeId: holder }],
    );
  }

  /** Every broadcast of the channel, live or over. */
  async listSessionIds(channelId: string): Promise<BroadcastIds[]> {
    return this.db
      .select({ id: liveSessions.id, playbackId: liveSessions.playbackId })
      .from(liveSessions)
      .where(eq(liveSessions.channelId, channelId));
  }

  /** The channel's broadcasts, live or over, newest first, by keyset on (started_at, id). */
  async listBroadcasts(channelId: string, options: PageOptions): Promise<Page<BroadcastRow>> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(liveSessions.channelId, channelId)];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(liveSessions.startedAt, liveSessions.id, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({
        id: liveSessions.id,
        status: liveSessions.status,
        startedAt: liveSessions.startedAt,
        endedAt: liveSessions.endedAt,
        ingest: liveSessions.ingest,
        peakViewers: liveSessions.peakViewers,
        recorded: liveSessions.recorded,
        startedAtKey: keysetTimestamp(liveSessions.startedAt),
      })
      .from(liveSessions)
      .where(and(...filters))
      .orderBy(desc(liveSessions.startedAt), desc(liveSessions.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({ createdAt: row.startedAtKey, id: row.id }));
    return {
      items: page.items.map(({ startedAtKey: _key, ...broadcast }) => broadcast),
      nextCursor: page.nextCursor,
    };
  }

  /** The state of each known playback id; ids without a session are absent from the map. */
  async playbackSessionStates(playbackIds: string[]): Promise<Map<string, PlaybackSessionState>> {
    const states = new Map<string, PlaybackSessionState>();
    if (playbackIds.length === 0) return states;
    const rows = await this.db
      .select({
        playbackId: liveSessions.playbackId,
        status: liveSessions.status,
        recorded: liveSessions.recorded,
      })
      .from(liveSessions)
      .where(inArray(liveSessions.playbackId, playbackIds));
    for (const row of rows) {
      states.set(row.playbackId, row.status === 'live' ? 'live' : row.recorded ? 'recorded' : 'ended');
    }
    return states;
  }

  private async findView(where: SQL): Promise<ChannelView | undefined> {
    const [row] = await this.db
      .select({ channel: channels, owner: ownerColumns, session: liveSessions })
      .from(channels)
      .innerJoin(users, eq(users.id, channels.ownerId))
      .leftJoin(liveSessions, and(eq(liveSessions.channelId, channels.id), eq(liveSessions.status, 'live')))
      .where(where)
      .limit(1);
    return row;
  }
}

/** `ingest` merged over the stored details, key by key (jsonb `||`). */
function mergedIngest(ingest: IngestInfo): SQL {
  return sql`coalesce(${liveSessions.ingest}, '{}'::jsonb) || ${JSON.stringify(ingest)}::jsonb`;
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
