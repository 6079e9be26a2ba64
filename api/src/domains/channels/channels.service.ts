/**
 * Rules of the live domain: channels, stream keys and the session life cycle the media node drives.
 * No HTTP here. Stream key secrets exist only in memory on their way to the caller; never log them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type LowLatencyMode, lowLatencyFor } from '@streamhub/config/config';
import {
  type Channel,
  type ChannelCategory,
  type ChannelSearchQuery,
  type ChannelSearchResult,
  type CreateChannelRequest,
  type CreatedStreamKey,
  type DirectoryPage,
  type DirectoryQuery,
  type IngestHealth,
  type PublicChannel,
  STREAM_KEY_PREFIX,
  type StreamKey,
  type StreamKeyList,
  type UpdateChannelRequest,
} from '@streamhub/contracts/channels';
import type { DomainEventPayload, DomainEvents } from '@streamhub/contracts/events';
import { InvalidCursorError, UniqueViolationError } from '@streamhub/db/errors';
import type { ChannelRow, IngestInfo, LiveSessionRow, StreamKeyRow } from '@streamhub/db/schema/channels';
import type { UserRole } from '@streamhub/db/schema/users';
import { AppError, conflict, forbidden, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { appendDomainEvent } from '../../events/durable.ts';
import type { InstanceSettingsReader } from '../settings/settings.service.ts';
import type {
  BroadcastIds,
  ChannelsRepository,
  ChannelView,
  EndedSession,
  HeldSession,
  PlaybackSessionState,
  SessionHolder,
} from './channels.repository.ts';

/** A channel's durable events share one aggregate, so an ordered consumer sees a start before its end. */
const channelAggregate = (channelId: string) => `channel:${channelId}`;

export interface ChannelsServiceDeps {
  channels: ChannelsRepository;
  events: EventBus<DomainEvents>;
  /** Base of playback and thumbnail URLs (PUBLIC_URL). */
  publicUrl: string;
  /**
   * Follower counts, owned by the engagement domain (its follows repository). The media node builds this
   * service without them and never renders public channels; absent, every count is 0.
   */
  followers?: FollowerCounts;
  /**
   * The instance settings (their `channelCreation`: who may open a channel through the API, which an
   * admin may change live). Absent → `streamers` (the media node never opens channels).
   */
  settings?: InstanceSettingsReader;
  /**
   * LIVE_LL_HLS: the default a channel's LL-HLS choice falls back to, and whether a channel may ask for it
   * at all. Absent → `optional`. The media node applies the same rule at publish time (`lowLatencyFor`).
   */
  lowLatencyMode?: LowLatencyMode;
}

/** Who asks to open a channel, as the auth guard read them on this request. */
export interface ChannelOpener {
  userId: string;
  role: UserRole;
  emailVerified: boolean;
}

/** What a caller refused by the instance policy was doing, as its message says it. */
interface StreamingAction {
  to: string;
  doing: string;
}
const OPENING_A_CHANNEL: StreamingAction = { to: 'open a channel', doing: 'Opening a channel' };
const ROTATING_A_KEY: StreamingAction = { to: 'replace a stream key', doing: 'Replacing a stream key' };

/** Follower counts by channel id; channels without followers may be absent. */
export interface FollowerCounts {
  countByChannel(channelIds: string[]): Promise<Map<string, number>>;
}

/** What other domains may know of a channel: enough to key their rows and rules on it. */
export interface ChannelReference {
  id: string;
  slug: string;
  ownerId: string;
  live: boolean;
}

/** What other domains may know of a broadcast, live or over: enough to attach likes and comments to it. */
export interface SessionReference {
  id: string;
  channelId: string;
  slug: string;
  ownerId: string;
  live: boolean;
}

export type PublishDecision =
  | {
      ok: true;
      channelId: string;
      sessionId: string;
      playbackId: string;
      record: boolean;
      /** The channel's LL-HLS choice (null: the instance's default); the media node applies LIVE_LL_HLS. */
      lowLatency: boolean | null;
    }
  | { ok: false; reason: 'unknown_key' | 'revoked_key' | 'suspended_owner' }
  /** `holder`: the live session in the way and its media node (absent when it ended meanwhile). */
  | { ok: false; reason: 'already_live'; holder?: SessionHolder };

/** Why a live broadcast must be cut now, without waiting for its publisher to leave. */
export type TerminationReason =
  | 'owner_suspended'
  | 'key_revoked'
  | 'owner_deleted'
  | 'cut_by_admin'
  | 'ended_elsewhere';

export interface TerminationRequest {
  sessionId: string;
  reason: TerminationReason;
  /**
   * The playback id whose files go too, recorded or not, even when the session is already over: set when
   * the owner's account is deleted, since nothing would ever serve or sweep them afterwards.
   */
  discardFilesOf?: string;
}

// 32 random bytes: 256 bits, far beyond guessing over RTMP.
const STREAM_KEY_BYTES = 32;
// 12 random bytes → 16 base64url characters: unguessable, so an ended session's URL cannot be found by walking ids.
const PLAYBACK_ID_BYTES = 12;
/** How much of the secret lists show, after `sk_live_`. */
const VISIBLE_CHARS = 6;

/** SHA-256, base64url: the only form of a stream key the database holds. */
export const hashStreamKey = (secret: string) => createHash('sha256').update(secret).digest('base64url');

const newSecret = () => `${STREAM_KEY_PREFIX}${randomBytes(STREAM_KEY_BYTES).toString('base64url')}`;
const visiblePrefix = (secret: string) => secret.slice(STREAM_KEY_PREFIX.length).slice(0, VISIBLE_CHARS);

export class ChannelsService {
  constructor(private readonly deps: ChannelsServiceDeps) {}

  // --- channels ------------------------------------------------------------------------------------

  /** Opens the caller's channel if the instance policy lets them stream (`checkMayStream`). */
  async open(caller: ChannelOpener, input: CreateChannelRequest): Promise<Channel> {
    await this.checkMayStream(caller);
    return this.create(caller.userId, input);
  }

  /**
   * The instance policy on who may stream: streamers and admins always; where `channelCreation` is
   * `verified` (CHANNEL_CREATION, or an admin's setting, which may change at any time), any account
   * whose email is verified too.
   */
  private async checkMayStream(caller: ChannelOpener, action = OPENING_A_CHANNEL): Promise<void> {
    if (caller.role === 'streamer' || caller.role === 'admin') return;
    const policy = (await this.deps.settings?.current())?.channelCreation ?? 'streamers';
    if (policy === 'verified' && caller.emailVerified) return;
    throw forbidden(
      policy === 'verified'
        ? `Verify your email address to ${action.to} (or ask an admin for the streamer role).`
        : `${action.doing} needs the streamer role; ask an admin of this instance for it.`,
    );
  }

  /** Creates the channel without a permission check (the caller decided; `open` is the API's way in). */
  async create(ownerId: string, input: CreateChannelRequest): Promise<Channel> {
    this.checkLowLatencyChoice(input.lowLatency);
    try {
      return this.toChannel(await this.deps.channels.createChannel({ ownerId, ...input }));
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        if (error.constraint === 'owner') {
          throw new AppError(409, 'channel_exists', 'You already have a channel; an account owns one.');
        }
        throw new AppError(409, 'slug_taken', `The slug "${input.slug}" is taken.`);
      }
      throw error;
    }
  }

  async update(ownerId: string, slug: string, patch: UpdateChannelRequest): Promise<Channel> {
    const view = await this.requireOwned(ownerId, slug);
    this.checkLowLatencyChoice(patch.lowLatency);
    const updated = await this.deps.channels.updateChannel(view.channel.id, patch);
    if (!updated) throw notFound('Channel');
    return this.toChannel(updated);
  }

  async mine(ownerId: string): Promise<Channel> {
    const view = await this.deps.channels.findByOwner(ownerId);
    if (!view) throw notFound('Your channel');
    return this.toChannel(view.channel);
  }

  private get lowLatencyMode(): LowLatencyMode {
    return this.deps.lowLatencyMode ?? 'optional';
  }

  /** Asking for LL-HLS where the instance offers none would be a setting that silently does nothing. */
  private checkLowLatencyChoice(choice: boolean | null | undefined): void {
    if (choice === true && this.lowLatencyMode === 'off') {
      throw new AppError(
        409,
        'low_latency_unavailable',
        'This instance does not offer Low-Latency HLS (LIVE_LL_HLS=off).',
      );
    }
  }

  private toChannel(channel: ChannelRow): Channel {
    return {
      id: channel.id,
      slug: channel.slug,
      title: channel.title,
      category: channel.category as ChannelCategory,
      tags: channel.tags,
      language: channel.language,
      record: channel.record,
      lowLatency: channel.lowLatency,
      lowLatencyEffective: lowLatencyFor(this.lowLatencyMode, channel.lowLatency),
      createdAt: channel.createdAt.toISOString(),
      updatedAt: channel.updatedAt.toISOString(),
    };
  }

  /**
   * An admin ends a channel's live broadcast now (`stream.cut` on the event bus; the media node holding
   * it disconnects the publisher, as for a revoked key). The streamer may go live again: to keep them
   * off, suspend them instead. `409 conflict` when the channel is not broadcasting.
   */
  async cutBroadcast(adminId: string, slug: string): Promise<void> {
    const view = await this.deps.channels.findBySlug(slug);
    if (!view) throw notFound('Channel');
    if (view.session?.status !== 'live') {
      throw conflict('The channel is not broadcasting.');
    }
    await this.deps.events.publish('stream.cut', {
      sessionId: view.session.id,
      channelId: view.channel.id,
      cutBy: adminId,
      cutAt: new Date().toISOString(),
    });
  }

  /** What the media node measured of the owner's live stream, for the studio's ingest health. */
  async ingestHealth(ownerId: string, slug: string): Promise<IngestHealth> {
    const { session } = await this.requireOwned(ownerId, slug);
    const live = session?.status === 'live';
    const ingest = (live && session.ingest) || {};
    return {
      live,
      startedAt: live ? session.startedAt.toISOString() : null,
      videoCodec: ingest.videoCodec ?? null,
      audioCodec: ingest.audioCodec ?? null,
      width: ingest.width ?? null,
      height: ingest.height ?? null,
      fps: ingest.fps ?? null,
      bitrate: ingest.bitrate === undefined ? null : Math.round(ingest.bitrate),
      keyframeInterval: ingest.keyframeInterval ?? null,
    };
  }

  async publicChannel(slug: string): Promise<PublicChannel> {
    const view = await this.deps.channels.findBySlug(slug);
    if (!view) throw notFound('Channel');
    const counts = await this.followerCounts([view.channel.id]);
    return this.toPublic(view, counts.get(view.channel.id) ?? 0);
  }

  /** A channel's ids and live state, for domains that attach data to channels (chat, follows). */
  async reference(slug: string): Promise<ChannelReference> {
    const view = await this.deps.channels.findBySlug(slug);
    if (!view) throw notFound('Channel');
    const { channel, session } = view;
    return { id: channel.id, slug: channel.slug, ownerId: channel.ownerId, live: session !== null };
  }

  /** A broadcast (live or over) with its channel, for likes and comments; not found → AppError `not_found`. */
  async sessionReference(sessionId: string): Promise<SessionReference> {
    const found = await this.deps.channels.findSessionWithChannel(sessionId);
    if (!found) throw notFound('Live session');
    const { channelId, slug, ownerId, status } = found;
    return { id: found.sessionId, channelId, slug, ownerId, live: status === 'live' };
  }

  /**
   * The channel `ownerId` owns and every broadcast of it, undefined without a channel. Read before the
   * account is deleted: these rows cascade with it, and other domains still hold data keyed by their ids.
   */
  async broadcastsOf(ownerId: string): Promise<{ channelId: string; sessions: BroadcastIds[] } | undefined> {
    const view = await this.deps.channels.findByOwner(ownerId);
    if (!view) return undefined;
    return { channelId: view.channel.id, sessions: await this.deps.channels.listSessionIds(view.channel.id) };
  }

  async directory(query: DirectoryQuery): Promise<DirectoryPage> {
    try {
      const page = await this.deps.channels.listLive({
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.category ? { category: query.category } : {}),
      });
      const counts = await this.followerCounts(page.items.map((view) => view.channel.id));
      return {
        items: page.items.map((view) => this.toPublic(view, counts.get(view.channel.id) ?? 0)),
        nextCursor: page.nextCursor,
      };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw validationFailed([{ path: 'query.cursor', message: 'is not a cursor from this list' }]);
      }
      throw error;
    }
  }

  /** Channels matching every word of the query, live ones first (the search page and `searchChannels`). */
  async search(query: ChannelSearchQuery): Promise<ChannelSearchResult> {
    const words = query.q.split(/\s+/).filter(Boolean);
    const views = await this.deps.channels.search(words, query.limit);
    const counts = await this.followerCounts(views.map((view) => view.channel.id));
    return { items: views.map((view) => this.toPublic(view, counts.get(view.channel.id) ?? 0)) };
  }

  // --- stream keys ---------------------------------------------------------------------------------

  /**
   * A new key for the caller's channel, if the instance policy still lets them stream: an account that
   * opened its channel under a policy an admin has since narrowed gets no new key (`createKey` is the
   * same without the check, for callers that decided).
   */
  async issueKey(caller: ChannelOpener, slug: string, name: string): Promise<CreatedStreamKey> {
    await this.checkMayStream(caller);
    return this.createKey(caller.userId, slug, name);
  }

  async createKey(ownerId: string, slug: string, name: string): Promise<CreatedStreamKey> {
    const { channel } = await this.requireOwned(ownerId, slug);
    const secret = newSecret();
    const key = await this.deps.channels.createKey(
      channel.id,
      name,
      hashStreamKey(secret),
      visiblePrefix(secret),
    );
    return { ...toStreamKey(key), secret };
  }

  async listKeys(ownerId: string, slug: string): Promise<StreamKeyList> {
    const { channel } = await this.requireOwned(ownerId, slug);
    return { items: (await this.deps.channels.listKeys(channel.id)).map(toStreamKey) };
  }

  /**
   * A new secret under the same name; the old one stops working at once. A new secret is a new way in,
   * so the instance policy is checked as for a new key (the old key is left as it was when refused).
   */
  async rotateKey(caller: ChannelOpener, slug: string, keyId: string): Promise<CreatedStreamKey> {
    await this.checkMayStream(caller, ROTATING_A_KEY);
    const { channel } = await this.requireOwned(caller.userId, slug);
    const secret = newSecret();
    const created = await this.deps.channels.rotateKey(channel.id, keyId, {
      keyHash: hashStreamKey(secret),
      prefix: visiblePrefix(secret),
    });
    if (created) {
      await this.deps.events.publish('stream.key_revoked', {
        keyId,
        channelId: channel.id,
        reason: 'rotated',
        revokedAt: created.createdAt.toISOString(),
      });
      return { ...toStreamKey(created), secret };
    }
    if (await this.deps.channels.findKey(channel.id, keyId)) {
      throw new AppError(409, 'conflict', 'This stream key is revoked; create a new one instead.');
    }
    throw notFound('Stream key');
  }

  /** Idempotent: revoking a revoked key answers with it unchanged. */
  async revokeKey(ownerId: string, slug: string, keyId: string): Promise<StreamKey> {
    const { channel } = await this.requireOwned(ownerId, slug);
    const revoked = await this.deps.channels.revokeKey(channel.id, keyId);
    if (!revoked) throw notFound('Stream key');
    const { key, revokedNow } = revoked;
    if (revokedNow) {
      await this.deps.events.publish('stream.key_revoked', {
        keyId: key.id,
        channelId: channel.id,
        reason: 'revoked',
        revokedAt: (key.revokedAt ?? new Date()).toISOString(),
      });
    }
    return toStreamKey(key);
  }

  // --- session life cycle (called by the media node, not over HTTP) --------------------------------

  /**
   * Decides whether an RTMP publish with `streamKey` may start. When it may, opens a live session with
   * a fresh public playback id, stamps the key as used and emits `stream.started` (stored with the session,
   * and published on the bus for what is ephemeral). `nodeId` names
   * the media node that will hold the session, so that it can end it after a crash ({@link heldSessions}).
   */
  async authorizePublish(streamKey: string, options: { nodeId?: string } = {}): Promise<PublishDecision> {
    const candidate = await this.deps.channels.findKeyForPublish(hashStreamKey(streamKey));
    if (!candidate) return { ok: false, reason: 'unknown_key' };
    if (candidate.key.revokedAt !== null) return { ok: false, reason: 'revoked_key' };
    if (candidate.ownerStatus !== 'active') return { ok: false, reason: 'suspended_owner' };
    const { channel } = candidate;
    const started = (session: LiveSessionRow): DomainEventPayload<'stream.started'> => ({
      sessionId: session.id,
      channelId: channel.id,
      playbackId: session.playbackId,
      slug: channel.slug,
      ownerId: channel.ownerId,
      record: channel.record,
      startedAt: session.startedAt.toISOString(),
    });
    let session: LiveSessionRow;
    try {
      session = await this.deps.channels.startSession(
        channel.id,
        candidate.key.id,
        randomBytes(PLAYBACK_ID_BYTES).toString('base64url'),
        options.nodeId ?? null,
        (tx, row) =>
          appendDomainEvent(tx, 'stream.started', started(row), { aggregate: channelAggregate(channel.id) }),
      );
    } catch (error) {
      if (error instanceof UniqueViolationError && error.constraint === 'live') {
        // Named so that a media node can tell a holder that died (its lease ran out) from a live one.
        const holder = await this.deps.channels.findLiveHolder(channel.id);
        return holder ? { ok: false, reason: 'already_live', holder } : { ok: false, reason: 'already_live' };
      }
      throw error;
    }
    // The ephemeral copy: live status frames and chat-room cache invalidation (docs/events.md).
    await this.deps.events.publish('stream.started', started(session));
    return {
      ok: true,
      channelId: channel.id,
      sessionId: session.id,
      playbackId: session.playbackId,
      record: channel.record,
      lowLatency: channel.lowLatency,
    };
  }

  /**
   * Ends a live session, storing `stream.ended` with it (the outbox) and publishing its ephemeral copy.
   * Returns false (and emits nothing) when the
   * session is unknown or already ended, so a repeated call from a retrying node is harmless.
   * `bitrate` (bits per second, the whole broadcast's average ingest) is stored with the ingest details.
   */
  async endSession(sessionId: string, options: { recorded: boolean; bitrate?: number }): Promise<boolean> {
    const event = ({ session, slug }: EndedSession): DomainEventPayload<'stream.ended'> => ({
      sessionId: session.id,
      channelId: session.channelId,
      playbackId: session.playbackId,
      slug,
      recorded: session.recorded,
      startedAt: session.startedAt.toISOString(),
      endedAt: (session.endedAt ?? new Date()).toISOString(),
    });
    const ended = await this.deps.channels.endSession(
      sessionId,
      options.recorded,
      options.bitrate === undefined ? undefined : { bitrate: options.bitrate },
      (tx, row) =>
        appendDomainEvent(tx, 'stream.ended', event(row), {
          aggregate: channelAggregate(row.session.channelId),
        }),
    );
    if (!ended) return false;
    await this.deps.events.publish('stream.ended', event(ended));
    return true;
  }

  /** The broadcast a playback id belongs to (for analytics beacons); undefined when there is none. */
  async sessionByPlaybackId(
    playbackId: string,
  ): Promise<{ id: string; channelId: string; live: boolean } | undefined> {
    const session = await this.deps.channels.findSessionByPlaybackId(playbackId);
    return session && { id: session.id, channelId: session.channelId, live: session.status === 'live' };
  }

  /** Whether a playback id may be watched: while live, and afterwards only when it was recorded. */
  async playbackState(playbackId: string): Promise<'live' | 'recorded' | 'unavailable'> {
    const session = await this.deps.channels.findSessionByPlaybackId(playbackId);
    if (!session) return 'unavailable';
    if (session.status === 'live') return 'live';
    return session.recorded ? 'recorded' : 'unavailable';
  }

  /**
   * Stores what the media node learned of the incoming stream, merged over what it stored before
   * (codecs at first, the bitrate later); false when the session is unknown or no longer live.
   */
  async recordIngest(sessionId: string, info: IngestInfo): Promise<boolean> {
    return (await this.deps.channels.setIngest(sessionId, info)) !== undefined;
  }

  /** Stores a new peak viewer count on the channel's live session (no-op when offline or lower). */
  async raisePeakViewers(channelId: string, count: number): Promise<void> {
    await this.deps.channels.raisePeakViewers(channelId, count);
  }

  /** Sessions still marked live under media node `nodeId`: after a crash, nobody else will end them. */
  async heldSessions(nodeId: string): Promise<HeldSession[]> {
    return this.deps.channels.listLiveSessionsOfNode(nodeId);
  }

  /** Sessions live under a media node other than `nodeId`, with their node (for taking over a dead one's). */
  async liveSessionsOfOtherNodes(nodeId: string): Promise<(HeldSession & { nodeId: string })[]> {
    return this.deps.channels.listLiveSessionsOfOtherNodes(nodeId);
  }

  /** Where each playback id's session stands; unknown ids are absent. The media node only deletes `ended`. */
  async playbackStates(playbackIds: string[]): Promise<Map<string, PlaybackSessionState>> {
    return this.deps.channels.playbackSessionStates(playbackIds);
  }

  /**
   * Calls `terminate` for each live session that must be cut at once: its owner was suspended, the
   * key it was accepted with was revoked or rotated, or an admin cut it. Driven by `user.suspended`,
   * `stream.key_revoked` and `stream.cut`
   * on the event bus, so it works wherever the media node runs. Resolves once the subscriptions are live;
   * the returned function removes them.
   */
  async watchTerminations(terminate: (request: TerminationRequest) => Promise<unknown>): Promise<() => void> {
    const { events, channels } = this.deps;
    const stops = [
      events.subscribe('user.suspended', async ({ userId }) => {
        const session = await channels.findLiveSessionByOwner(userId);
        if (session) await terminate({ sessionId: session.id, reason: 'owner_suspended' });
      }),
      events.subscribe('stream.key_revoked', async ({ keyId }) => {
        const session = await channels.findLiveSessionByKey(keyId);
        if (session) await terminate({ sessionId: session.id, reason: 'key_revoked' });
      }),
      events.subscribe('stream.cut', async ({ sessionId }) => {
        await terminate({ sessionId, reason: 'cut_by_admin' });
      }),
      // Another media node ended this session because it took its node for dead (its lease ran out while
      // the node was only cut off from Redis): the node still feeding it stops, so its publisher reconnects
      // into a new session. Every node hears every end; the one that ended a session finds it ending.
      events.subscribe('stream.ended', async ({ sessionId }) => {
        await terminate({ sessionId, reason: 'ended_elsewhere' });
      }),
      // The rows are gone with the account; the event lists every broadcast it had, live or over.
      events.subscribe('user.deleted', async ({ liveSessions }) => {
        for (const { id, playbackId } of liveSessions) {
          await terminate({ sessionId: id, reason: 'owner_deleted', discardFilesOf: playbackId });
        }
      }),
    ];
    await events.ready();
    return () => {
      for (const stop of stops) stop();
    };
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** The channel, if `userId` owns it. Admins too are refused: keys let their holder broadcast as the owner. */
  private async requireOwned(userId: string, slug: string): Promise<ChannelView> {
    const view = await this.deps.channels.findBySlug(slug);
    if (!view) throw notFound('Channel');
    if (view.channel.ownerId !== userId) {
      throw forbidden('Only the owner of this channel may do this.');
    }
    return view;
  }

  private async followerCounts(channelIds: string[]): Promise<Map<string, number>> {
    return this.deps.followers ? this.deps.followers.countByChannel(channelIds) : new Map();
  }

  private toPublic({ channel, owner, session }: ChannelView, followerCount: number): PublicChannel {
    const base = this.deps.publicUrl;
    return {
      slug: channel.slug,
      title: channel.title,
      category: channel.category as ChannelCategory,
      tags: channel.tags,
      language: channel.language,
      owner: { username: owner.username, displayName: owner.displayName },
      live: session !== null,
      session: session
        ? {
            id: session.id,
            playbackId: session.playbackId,
            startedAt: session.startedAt.toISOString(),
            playbackUrl: `${base}/hls/${session.playbackId}/master.m3u8`,
            ingest: session.ingest ?? null,
          }
        : null,
      thumbnailUrl: `${base}/api/v1/channels/${channel.slug}/thumbnail.jpg`,
      followerCount,
    };
  }
}

function toStreamKey(key: StreamKeyRow): StreamKey {
  return {
    id: key.id,
    name: key.name,
    masked: `${STREAM_KEY_PREFIX}${key.prefix}…`,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
