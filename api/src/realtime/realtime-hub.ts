/**
 * The `/ws` protocol, independent of the runtime that carries the sockets (Node `ws`, Bun native).
 *
 * Each replica keeps only its own connections. Room frames (chat, deletions, moderation, settings) go
 * through the room broadcaster, so every replica delivers them to its members; stream status comes from
 * the domain event bus; viewer counts come from the shared presence store, polled every
 * VIEWER_COUNT_INTERVAL_MS and pushed only when they changed. The runtime's adapter delivers a room frame
 * to the room's sockets (RoomTransport): the hub hands it over once per broadcast, never per member.
 */
import { randomUUID } from 'node:crypto';
import type { DomainEvents } from '@streamhub/contracts/events';
import {
  type ChatMessage,
  type ChatSettings,
  type ClientFrame,
  type ServerFrame,
  VIEWER_COUNT_INTERVAL_MS,
  WS_ROOMS_PER_CONNECTION_MAX,
  type WsErrorCode,
} from '@streamhub/contracts/realtime';
import { AppError } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import type { Logger } from '@streamhub/logger/logger';
import { ChatRefusal } from '../domains/chat/chat-refusal.ts';
import { chatMessageIdOf, decodeClientFrame, encodeServerFrame, type RawFrame } from './frames.ts';
import { deliverUserBatch, USER_BATCH_ROOM } from './user-batch.ts';

/** One WebSocket as the hub sees it. */
export interface RealtimeSocket {
  /** Queues a text frame for this socket alone. */
  send(text: string): void;
  close(code: number, reason: string): void;
  /** From now on the room's broadcasts reach this socket, after every frame already sent to it. */
  join(room: string): void;
  /** The room's broadcasts stop reaching this socket; harmless when it is not in the room or closed. */
  leave(room: string): void;
}

/**
 * How a runtime delivers one room frame to every socket of this replica that joined the room. The
 * transport also enforces the slow-client limit: a socket whose unsent frames pass it is handed to
 * `RealtimeHub.dropTooSlow` instead of being allowed to hold back its room.
 */
export interface RoomTransport {
  broadcast(room: string, text: string): void;
}

/** What the hub needs of the chat domain. */
export interface ChatRooms {
  room(slug: string): Promise<{ channelId: string; slug: string; live: boolean; settings: ChatSettings }>;
  history(channelId: string): Promise<ChatMessage[]>;
  post(input: { channelId: string; userId: string; body: string }): Promise<ChatMessage>;
}

export interface SignedInUser {
  id: string;
  username: string;
}

/** Who an `auth` frame signed in, and the login session the connection now rides on. */
export interface SignedInSession {
  user: SignedInUser;
  sessionId: string;
}

export interface RealtimeHubOptions {
  logger: Logger;
  /** Resolves an access token to its user; rejects with an AppError (invalid_token, account_suspended). */
  authenticate(token: string): Promise<SignedInSession>;
  /**
   * Resolves while the session still stands; rejects with an AppError (invalid_token once revoked or
   * expired, account_suspended) otherwise. Asked before each post: a revocation whose `session.revoked`
   * event never reached this replica still stops the posting at once.
   */
  checkSession(sessionId: string, userId: string): Promise<void>;
  chat: ChatRooms;
  rooms: RoomBroadcaster;
  presence: PresenceStore;
  events: EventBus<DomainEvents>;
  /** Stores a channel's live-session peak viewer count; the greater count wins, so replicas may race. */
  recordPeakViewers(channelId: string, count: number): Promise<void>;
  /** Names this replica in the presence store. */
  replicaId?: string;
  connectionsPerIp: number;
  /** How long a viewer counts after its replica last vouched for it (a crashed replica's viewers fade). */
  presenceTtlMs?: number;
  countIntervalMs?: number;
}

/** Close codes (RFC 6455 and the 4000–4999 range for applications), documented in docs/realtime.md. */
export const CLOSE_CODES = {
  goingAway: 1001,
  policy: 1008,
  tooSlow: 4001,
} as const;

// Frames a connection may have waiting for processing; more is a flood, answered with rate_limited.
const MAX_PENDING_FRAMES = 16;
// Longer than any `auth` check takes (a token verification and two primary-key reads).
const REVOKED_MEMORY_MS = 30_000;

/** The broadcaster room of one user's own frames (video progress); channel rooms are channel ids. */
export const userRoom = (userId: string) => `user:${userId}`;

/** The presence key of a player's viewer id, shared by `/ws` and the playback heartbeat. */
export const viewerKeyOf = (viewerId: string) => `v:${viewerId}`;

interface Membership {
  slug: string;
  viewerKey: string;
  /**
   * Room frames that arrived while the `joined` frame (with the history) was being prepared; they follow
   * it. Undefined once the socket has joined the room at the transport.
   */
  held: string[] | undefined;
}

class Connection {
  readonly id = randomUUID();
  user: SignedInUser | undefined;
  /** The login session of `user`; revoking it signs this connection out. */
  sessionId: string | undefined;
  /** Channel id → membership. */
  readonly rooms = new Map<string, Membership>();
  /**
   * The player's stable id from its first `join`: several tabs of one browser, and its playback
   * heartbeats, count as one viewer. Without it a signed-in connection counts by account.
   */
  viewerId: string | undefined;
  pending = 0;
  queue: Promise<void> = Promise.resolve();
  open = true;

  constructor(
    readonly socket: RealtimeSocket,
    readonly ip: string,
  ) {}

  viewerKey(): string {
    if (this.viewerId) return viewerKeyOf(this.viewerId);
    return this.user ? `u:${this.user.id}` : `c:${this.id}`;
  }

  channelIdOf(slug: string): string | undefined {
    for (const [channelId, membership] of this.rooms) if (membership.slug === slug) return channelId;
    return undefined;
  }
}

interface LocalRoom {
  slug: string;
  members: Set<Connection>;
  /** Members whose room frames are held until their `joined` frame is sent. */
  joining: Set<Connection>;
  /** Viewer key → local connections of that viewer in this room. */
  viewers: Map<string, number>;
  lastCount: number | undefined;
  /** Highest count this replica has stored for the current session. */
  peak: number;
}

export class RealtimeHub {
  private readonly options: RealtimeHubOptions;
  private readonly replicaId: string;
  private readonly presenceTtlMs: number;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly localRooms = new Map<string, LocalRoom>();
  /** User id → this replica's connections signed in as that user. */
  private readonly signedIn = new Map<string, Set<Connection>>();
  /**
   * Session id → when this replica heard it was revoked, kept REVOKED_MEMORY_MS: an `auth` frame whose
   * check passed just before the revocation, but that completes after the event, must not sign in.
   */
  private readonly recentlyRevoked = new Map<string, number>();
  private transport: RoomTransport | undefined;
  private readonly stops: (() => void)[] = [];
  private closed = false;

  constructor(options: RealtimeHubOptions) {
    this.options = options;
    this.replicaId = options.replicaId ?? randomUUID();
    this.presenceTtlMs = options.presenceTtlMs ?? 30_000;
  }

  /** Subscribes to the room broadcaster and the event bus and starts the presence timers. */
  async start(): Promise<void> {
    const { rooms, events } = this.options;
    this.stops.push(rooms.subscribe((room, frame) => this.deliver(room, frame)));
    const status = (live: boolean) => (event: { channelId: string; slug: string }) => {
      const room = this.localRooms.get(event.channelId);
      if (!room) return;
      if (live) room.peak = 0;
      this.deliver(event.channelId, encodeServerFrame({ type: 'stream.status', channel: room.slug, live }));
    };
    this.stops.push(events.subscribe('stream.started', status(true)));
    this.stops.push(events.subscribe('stream.ended', status(false)));
    // Every replica hears these (Redis pub/sub when configured) and signs out its own sockets.
    this.stops.push(
      events.subscribe('session.revoked', ({ userId, sessionIds, reason }) => {
        this.rememberRevoked(sessionIds);
        const revoked = new Set(sessionIds);
        const why = reason === 'suspended' ? 'account_suspended' : 'session_revoked';
        for (const connection of this.connectionsOf(userId)) {
          if (connection.sessionId && revoked.has(connection.sessionId)) this.endSession(connection, why);
        }
      }),
      events.subscribe('user.deleted', ({ userId }) => {
        for (const connection of this.connectionsOf(userId)) this.endSession(connection, 'account_deleted');
      }),
    );
    await Promise.all([rooms.ready(), events.ready()]);

    const counting = setInterval(
      () => void this.pushViewerCounts(),
      this.options.countIntervalMs ?? VIEWER_COUNT_INTERVAL_MS,
    );
    const refreshing = setInterval(() => void this.refreshPresence(), Math.floor(this.presenceTtlMs / 3));
    counting.unref();
    refreshing.unref();
    this.stops.push(
      () => clearInterval(counting),
      () => clearInterval(refreshing),
    );
  }

  /** The runtime's server hands over its transport before it accepts sockets; returns the detach. */
  attach(transport: RoomTransport): () => void {
    if (this.transport) throw new Error('the realtime hub already has a transport');
    this.transport = transport;
    return () => {
      if (this.transport === transport) this.transport = undefined;
    };
  }

  /** A socket finished its handshake. Returns undefined when it was refused (and closed). */
  open(socket: RealtimeSocket, ip: string): Connection | undefined {
    const count = this.perIp.get(ip) ?? 0;
    if (this.closed || count >= this.options.connectionsPerIp) {
      const detail = this.closed ? 'The server is shutting down.' : 'Too many connections from this address.';
      sendFrame(socket, { type: 'error', code: 'rate_limited', detail });
      socket.close(this.closed ? CLOSE_CODES.goingAway : CLOSE_CODES.policy, detail);
      return undefined;
    }
    this.perIp.set(ip, count + 1);
    const connection = new Connection(socket, ip);
    this.connections.add(connection);
    sendFrame(socket, { type: 'hello', connectionId: connection.id, user: null });
    return connection;
  }

  receive(connection: Connection, raw: RawFrame): void {
    if (!connection.open) return;
    const decoded = decodeClientFrame(raw);
    if (!decoded.ok) {
      this.sendError(connection, decoded.code, decoded.detail, { nonce: decoded.nonce });
      return;
    }
    if (connection.pending >= MAX_PENDING_FRAMES) {
      this.sendError(connection, 'rate_limited', 'Too many frames at once; wait for the answers.', {
        nonce: 'nonce' in decoded.frame ? decoded.frame.nonce : undefined,
      });
      return;
    }
    // Frames of one connection are handled in order: a `chat.send` right after a `join` sees the join.
    connection.pending += 1;
    connection.queue = connection.queue
      .then(() => (connection.open ? this.handle(connection, decoded.frame) : undefined))
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, connectionId: connection.id }, 'realtime frame failed');
        this.sendError(connection, 'internal_error', 'Something went wrong on the server.');
      })
      .finally(() => {
        connection.pending -= 1;
      });
  }

  /** The socket is gone (closed by either side). */
  disconnected(connection: Connection): void {
    if (!connection.open) return;
    connection.open = false;
    this.connections.delete(connection);
    const left = (this.perIp.get(connection.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(connection.ip, left);
    else this.perIp.delete(connection.ip);
    for (const channelId of [...connection.rooms.keys()]) this.leaveRoom(connection, channelId);
    this.signOut(connection);
  }

  /** Closes (4001) a connection whose unsent frames passed the transport's limit. */
  dropTooSlow(connection: Connection): void {
    if (!connection.open) return;
    this.options.logger.warn({ connectionId: connection.id }, 'dropping a client that cannot keep up');
    connection.socket.close(CLOSE_CODES.tooSlow, 'too slow: send buffer full');
    this.disconnected(connection);
  }

  /** Forgets the connection's account: its own frames (the user's room) stop reaching the socket. */
  private signOut(connection: Connection): void {
    const user = connection.user;
    if (!user) return;
    connection.socket.leave(userRoom(user.id));
    const others = this.signedIn.get(user.id);
    others?.delete(connection);
    if (others?.size === 0) this.signedIn.delete(user.id);
    connection.user = undefined;
    connection.sessionId = undefined;
  }

  private signIn(connection: Connection, { user, sessionId }: SignedInSession): void {
    connection.user = user;
    connection.sessionId = sessionId;
    connection.socket.join(userRoom(user.id));
    let mine = this.signedIn.get(user.id);
    if (!mine) {
      mine = new Set();
      this.signedIn.set(user.id, mine);
    }
    mine.add(connection);
  }

  private rememberRevoked(sessionIds: string[]): void {
    const now = Date.now();
    for (const [sessionId, at] of this.recentlyRevoked) {
      if (now - at < REVOKED_MEMORY_MS) break;
      this.recentlyRevoked.delete(sessionId);
    }
    for (const sessionId of sessionIds) this.recentlyRevoked.set(sessionId, now);
  }

  /** A copy, so that signing connections out while iterating is safe. */
  private connectionsOf(userId: string): Connection[] {
    return [...(this.signedIn.get(userId) ?? [])];
  }

  /**
   * The connection's session ended elsewhere: it becomes anonymous in the rooms it is in (presence
   * follows, as on sign-in) and is told so. Posting needs a new `auth` frame.
   */
  private endSession(
    connection: Connection,
    reason: 'session_revoked' | 'account_suspended' | 'account_deleted',
  ) {
    if (!connection.open || !connection.user) return;
    this.reidentify(connection, undefined);
    sendFrame(connection.socket, { type: 'signed_out', reason });
  }

  /** Signs the connection in as `session` (or out), moving its presence in every room to the new key. */
  private reidentify(connection: Connection, session: SignedInSession | undefined): void {
    const rooms = [...connection.rooms.keys()];
    for (const channelId of rooms) this.releaseViewer(connection, channelId);
    this.signOut(connection);
    if (session) this.signIn(connection, session);
    for (const channelId of rooms) this.holdViewer(connection, channelId);
  }

  /** Closes every socket (1001) and stops the timers and subscriptions. */
  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const connection of [...this.connections]) {
      connection.socket.close(CLOSE_CODES.goingAway, 'server shutting down');
      this.disconnected(connection);
    }
  }

  /** Connections on this replica (for metrics and tests). */
  get connectionCount(): number {
    return this.connections.size;
  }

  private async handle(connection: Connection, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'auth':
        return this.authenticate(connection, frame.token);
      case 'join':
        return this.join(connection, frame.channel, frame.viewerId);
      case 'leave': {
        const channelId = connection.channelIdOf(frame.channel);
        if (!channelId) return this.notJoined(connection, frame.channel);
        this.leaveRoom(connection, channelId);
        return sendFrame(connection.socket, { type: 'left', channel: frame.channel });
      }
      case 'chat.send':
        return this.post(connection, frame.channel, frame.body, frame.nonce);
      case 'ping':
        return sendFrame(connection.socket, { type: 'pong', nonce: frame.nonce });
    }
  }

  private async authenticate(connection: Connection, token: string): Promise<void> {
    let session: SignedInSession;
    try {
      session = await this.options.authenticate(token);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const code: WsErrorCode = error.code === 'account_suspended' ? 'account_suspended' : 'invalid_token';
      return this.sendError(connection, code, error.message);
    }
    if (!connection.open) return;
    if (this.recentlyRevoked.has(session.sessionId)) {
      return this.sendError(connection, 'invalid_token', 'The token is invalid, expired or revoked.');
    }
    // Presence follows the identity: the anonymous viewer of each room becomes this account.
    this.reidentify(connection, session);
    sendFrame(connection.socket, { type: 'authenticated', user: session.user });
  }

  private async join(connection: Connection, slug: string, viewerId: string | undefined): Promise<void> {
    if (!connection.channelIdOf(slug) && connection.rooms.size >= WS_ROOMS_PER_CONNECTION_MAX) {
      return this.sendError(
        connection,
        'too_many_rooms',
        `A connection can be in at most ${WS_ROOMS_PER_CONNECTION_MAX} rooms; leave one first.`,
        { channel: slug },
      );
    }
    let room: Awaited<ReturnType<ChatRooms['room']>>;
    try {
      room = await this.options.chat.room(slug);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) {
        return this.sendError(connection, 'channel_not_found', `There is no channel "${slug}".`, {
          channel: slug,
        });
      }
      throw error;
    }
    if (!connection.open) return;
    if (viewerId && !connection.viewerId && connection.rooms.size === 0) connection.viewerId = viewerId;
    // A member before the history is read: a message posted meanwhile is held, never lost.
    const wasMember = this.enterRoom(connection, room);
    let history: ChatMessage[];
    let viewerCount: number;
    try {
      history = await this.options.chat.history(room.channelId);
      viewerCount = await this.options.presence.count(room.channelId);
    } catch (error) {
      if (connection.open && wasMember) this.releaseHeld(connection, room.channelId, []);
      else if (connection.open) this.leaveRoom(connection, room.channelId);
      throw error;
    }
    // A closed connection has left its rooms already.
    if (!connection.open) return;
    sendFrame(connection.socket, {
      type: 'joined',
      channel: room.slug,
      live: room.live,
      viewerCount,
      settings: room.settings,
      history,
    });
    this.releaseHeld(connection, room.channelId, history);
  }

  /**
   * Makes the connection a member whose room frames are held until its `joined` frame is sent; a
   * connection joining again stops receiving at the transport until then. True when it was a member.
   */
  private enterRoom(connection: Connection, room: { channelId: string; slug: string }): boolean {
    let local = this.localRooms.get(room.channelId);
    if (!local) {
      local = {
        slug: room.slug,
        members: new Set(),
        joining: new Set(),
        viewers: new Map(),
        lastCount: undefined,
        peak: 0,
      };
      this.localRooms.set(room.channelId, local);
    }
    local.members.add(connection);
    local.joining.add(connection);
    const membership = connection.rooms.get(room.channelId);
    if (membership) {
      connection.socket.leave(room.channelId);
      membership.held ??= [];
      return true;
    }
    connection.rooms.set(room.channelId, { slug: room.slug, viewerKey: connection.viewerKey(), held: [] });
    this.holdViewer(connection, room.channelId);
    return false;
  }

  /**
   * Sends the frames held during the join, except messages the history already holds, then joins the
   * socket to the room at the transport. No await in between: no broadcast can slip past both.
   */
  private releaseHeld(connection: Connection, channelId: string, history: ChatMessage[]): void {
    const membership = connection.rooms.get(channelId);
    if (!membership?.held) return;
    const held = membership.held;
    membership.held = undefined;
    this.localRooms.get(channelId)?.joining.delete(connection);
    const inHistory = new Set(history.map((message) => message.id));
    for (const text of held) {
      const messageId = chatMessageIdOf(text);
      if (messageId === undefined || !inHistory.has(messageId)) connection.socket.send(text);
    }
    connection.socket.join(channelId);
  }

  private async post(connection: Connection, slug: string, body: string, nonce: string | undefined) {
    const user = connection.user;
    const sessionId = connection.sessionId;
    if (!user || !sessionId) {
      return this.sendError(connection, 'unauthorized', 'Sign in (an `auth` frame) to post in chat.', {
        nonce,
        channel: slug,
      });
    }
    const channelId = connection.channelIdOf(slug);
    if (!channelId) return this.notJoined(connection, slug, nonce);
    try {
      await this.options.checkSession(sessionId, user.id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const suspended = error.code === 'account_suspended';
      // `session.revoked` may have signed it out meanwhile; then there is nothing left to do.
      if (connection.sessionId === sessionId) {
        this.endSession(connection, suspended ? 'account_suspended' : 'session_revoked');
      }
      return this.sendError(
        connection,
        suspended ? 'account_suspended' : 'unauthorized',
        suspended ? 'Your account is suspended.' : 'Your session has ended; sign in again to post.',
        { nonce, channel: slug },
      );
    }
    try {
      const message = await this.options.chat.post({ channelId, userId: user.id, body });
      sendFrame(connection.socket, { type: 'ack', nonce, messageId: message.id });
    } catch (error) {
      if (!(error instanceof ChatRefusal)) throw error;
      this.sendError(connection, error.code, error.detail, {
        nonce,
        channel: slug,
        retryAfterMs: error.retryAfterMs,
      });
    }
  }

  private notJoined(connection: Connection, slug: string, nonce?: string): void {
    this.sendError(connection, 'not_joined', `Join "${slug}" first.`, { nonce, channel: slug });
  }

  private leaveRoom(connection: Connection, channelId: string): void {
    this.releaseViewer(connection, channelId);
    connection.rooms.delete(channelId);
    connection.socket.leave(channelId);
    const local = this.localRooms.get(channelId);
    if (!local) return;
    local.members.delete(connection);
    local.joining.delete(connection);
    if (local.members.size === 0) this.localRooms.delete(channelId);
  }

  private holdViewer(connection: Connection, channelId: string): void {
    const local = this.localRooms.get(channelId);
    const membership = connection.rooms.get(channelId);
    if (!local || !membership) return;
    const key = connection.viewerKey();
    membership.viewerKey = key;
    const held = local.viewers.get(key) ?? 0;
    local.viewers.set(key, held + 1);
    if (held === 0)
      this.presenceCall(this.options.presence.touch(channelId, key, this.replicaId, this.presenceTtlMs));
  }

  private releaseViewer(connection: Connection, channelId: string): void {
    const local = this.localRooms.get(channelId);
    const membership = connection.rooms.get(channelId);
    if (!local || !membership) return;
    const key = membership.viewerKey;
    const held = (local.viewers.get(key) ?? 1) - 1;
    if (held > 0) {
      local.viewers.set(key, held);
      return;
    }
    local.viewers.delete(key);
    this.presenceCall(this.options.presence.release(channelId, key, this.replicaId));
  }

  private presenceCall(call: Promise<void>): void {
    call.catch((error: unknown) => this.options.logger.warn({ err: error }, 'presence update failed'));
  }

  /** Hands a room frame to the transport once; members still joining get it after their `joined`. */
  private deliver(room: string, text: string): void {
    if (room === USER_BATCH_ROOM) {
      // Framed here only for the recipients signed in on this replica (user-batch.ts).
      deliverUserBatch(
        text,
        (userId) => this.signedIn.has(userId),
        (userId, frame) => this.transport?.broadcast(userRoom(userId), frame),
      );
      return;
    }
    const joining = this.localRooms.get(room)?.joining;
    if (joining) for (const connection of joining) connection.rooms.get(room)?.held?.push(text);
    this.transport?.broadcast(room, text);
  }

  private async refreshPresence(): Promise<void> {
    const touches: Promise<void>[] = [];
    for (const [channelId, local] of this.localRooms) {
      for (const key of local.viewers.keys()) {
        touches.push(this.options.presence.touch(channelId, key, this.replicaId, this.presenceTtlMs));
      }
    }
    await Promise.all(touches).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'presence refresh failed'),
    );
  }

  private async pushViewerCounts(): Promise<void> {
    const channelIds = [...this.localRooms.keys()];
    if (channelIds.length === 0) return;
    let counts: Map<string, number>;
    try {
      counts = await this.options.presence.counts(channelIds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'viewer counts unavailable');
      return;
    }
    for (const [channelId, count] of counts) {
      const local = this.localRooms.get(channelId);
      if (!local || local.lastCount === count) continue;
      local.lastCount = count;
      this.deliver(channelId, encodeServerFrame({ type: 'viewers', channel: local.slug, count }));
      if (count > local.peak) {
        local.peak = count;
        this.options
          .recordPeakViewers(channelId, count)
          .catch((error: unknown) =>
            this.options.logger.warn({ err: error }, 'could not store peak viewers'),
          );
      }
    }
  }

  private sendError(
    connection: Connection,
    code: WsErrorCode,
    detail: string,
    extra: { nonce?: string; channel?: string; retryAfterMs?: number } = {},
  ): void {
    if (!connection.open) return;
    sendFrame(connection.socket, { type: 'error', code, detail, ...withoutUndefined(extra) });
  }
}

function sendFrame(socket: RealtimeSocket, frame: ServerFrame): void {
  socket.send(encodeServerFrame(frame));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { Connection as RealtimeConnection };
