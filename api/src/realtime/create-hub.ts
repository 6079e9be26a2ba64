/** Builds the realtime hub and its WebSocket endpoint on a gateway's services and backends. */
import { randomUUID } from 'node:crypto';
import type { Config } from '@streamhub/config/config';
import type { DomainEvents } from '@streamhub/contracts/events';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import type { GatewayDeps } from '../deps.ts';
import { CachedChatRooms } from '../domains/chat/cached-chat-rooms.ts';
import type { RoomPublisher } from '../domains/chat/room-publisher.ts';
import type { NotificationPublisher } from '../domains/notifications/notification-publisher.ts';
import type { VideoStatusPublisher } from '../domains/videos/video-status-publisher.ts';
import { pickClientIp } from '../http/client-ip.ts';
import { encodeServerFrame } from './frames.ts';
import { RealtimeHub, type RealtimeHubOptions, userRoom } from './realtime-hub.ts';
import { encodeUserBatch, USER_BATCH_ROOM } from './user-batch.ts';
import type { WebSocketEndpoint } from './websocket-endpoint.ts';

// Room frames are serialised once here; every replica forwards the same text to its members.
export function broadcastingRoomPublisher(rooms: RoomBroadcaster): RoomPublisher {
  return { publish: (channelId, frame) => rooms.publish(channelId, encodeServerFrame(frame)) };
}

/** Frames for one user travel as a room of their own: every replica delivers them to that user's connections. */
export function broadcastingVideoStatusPublisher(rooms: RoomBroadcaster): VideoStatusPublisher {
  return { publish: (ownerId, frame) => rooms.publish(userRoom(ownerId), encodeServerFrame(frame)) };
}

/**
 * New notifications travel as one user batch per call (user-batch.ts): every replica frames them for
 * the recipients signed in on it, in their own room.
 */
export function broadcastingNotificationPublisher(rooms: RoomBroadcaster): NotificationPublisher {
  return {
    async publishMany(notification, recipients) {
      if (recipients.length === 0) return;
      const slot = randomUUID();
      const frame = encodeServerFrame({ type: 'notification', notification: { id: slot, ...notification } });
      await rooms.publish(
        USER_BATCH_ROOM,
        encodeUserBatch(
          frame,
          slot,
          recipients.map(({ userId, id }) => ({ userId, value: id })),
        ),
      );
    },
  };
}

export interface RealtimeBackends {
  rooms: RoomBroadcaster;
  presence: PresenceStore;
  events: EventBus<DomainEvents>;
}

export function createRealtimeHub(
  deps: GatewayDeps,
  backends: RealtimeBackends,
  /**
   * For tests: faster timers, a chat port that wraps the real one, or a hold after the real `auth`
   * check (the hub goes on when the returned promise settles).
   */
  testing: Partial<Pick<RealtimeHubOptions, 'countIntervalMs' | 'presenceTtlMs' | 'chat'>> & {
    afterAuthCheck?: () => Promise<void>;
  } = {},
): RealtimeHub {
  const { services, config } = deps;
  const { afterAuthCheck, ...options } = testing;
  return new RealtimeHub({
    logger: deps.logger.child({ component: 'realtime' }),
    authenticate: async (token) => {
      const auth = await services.sessions.authenticate(token);
      const account = await services.users.account(auth.userId);
      await afterAuthCheck?.();
      return { user: { id: account.id, username: account.username }, sessionId: auth.sessionId };
    },
    checkSession: async (sessionId, userId) => {
      await services.sessions.check(sessionId, userId);
    },
    // Join storms read each room once; subscribed before `start`, so its `ready()` covers this too.
    chat: new CachedChatRooms({ chat: services.chat, rooms: backends.rooms, events: backends.events }),
    rooms: backends.rooms,
    presence: backends.presence,
    events: backends.events,
    recordPeakViewers: (channelId, count) => services.channels.raisePeakViewers(channelId, count),
    connectionsPerIp: config.realtime.maxConnectionsPerIp,
    ...options,
  });
}

// Large enough that an oversized frame still gets a `frame_too_large` answer rather than a dropped connection.
const MAX_PAYLOAD_BYTES = 64 * 1024;

export function websocketEndpoint(hub: RealtimeHub, config: Config): WebSocketEndpoint {
  return {
    hub,
    maxPayloadBytes: MAX_PAYLOAD_BYTES,
    pingIntervalMs: config.realtime.pingIntervalMs,
    maxBufferedBytes: config.realtime.maxBufferedBytes,
    clientIp: (forwardedFor, remoteAddress) => pickClientIp(config.trustProxy, forwardedFor, remoteAddress),
  };
}
