/**
 * Redis pub/sub room broadcaster: every room of a prefix travels on ONE channel (`<prefix>rooms`), each
 * message being `room + "\n" + frame`. One channel keeps the subscriber's work constant however many
 * rooms exist (no SUBSCRIBE per room as viewers come and go), and every gateway needs most rooms'
 * frames anyway once it serves a few hundred sockets. The cost is that each replica receives all frames
 * and drops those of rooms it does not serve.
 */
import { openPubSubConnections } from '../../redis/connection.ts';
import { toError } from '../../shared/timers.ts';
import { assertRoomName } from '../room-name.ts';
import {
  logRoomBroadcasterError,
  type RoomBroadcaster,
  type RoomBroadcasterErrorHandler,
  type RoomFrameHandler,
} from './port.ts';

interface Subscription {
  handler: RoomFrameHandler;
  active: boolean;
}

export interface RedisRoomBroadcasterOptions {
  url: string;
  prefix?: string;
  onError?: RoomBroadcasterErrorHandler;
}

/** The channel all rooms of `prefix` travel on; exported for tests and operators (`redis-cli SUBSCRIBE`). */
export function roomsChannel(prefix: string): string {
  return `${prefix}rooms`;
}

/** The wire form of one frame: the room, a newline, then the frame verbatim (which may hold newlines). */
export function encodeRoomMessage(room: string, frame: string): string {
  return `${room}\n${frame}`;
}

/** Splits a wire message at its first newline; an Error when it has no room in front. */
export function decodeRoomMessage(message: string): { room: string; frame: string } | Error {
  const cut = message.indexOf('\n');
  if (cut <= 0) return new Error('Dropped a room message without a room name in front');
  return { room: message.slice(0, cut), frame: message.slice(cut + 1) };
}

/**
 * Connects a publisher and a dedicated subscriber (a connection in subscribe mode can send nothing
 * else) and returns the broadcaster; rejects when Redis is unreachable.
 */
export async function createRedisRoomBroadcaster(
  options: RedisRoomBroadcasterOptions,
): Promise<RoomBroadcaster> {
  const onError = options.onError ?? logRoomBroadcasterError;
  const reportBroker = (error: Error) => onError(error, { phase: 'broker' });
  const { publisher, subscriber } = await openPubSubConnections({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:rooms',
    onError: reportBroker,
  });

  const channel = roomsChannel(publisher.prefix);
  const subscriptions = new Set<Subscription>();
  let closed = false;
  // The channel is subscribed with the first handler and kept until close: a process that only
  // publishes (a REST-only API) never receives the firehose, and a gateway never churns SUBSCRIBEs.
  let subscribed: Promise<void> | undefined;
  // Set while that first SUBSCRIBE is unacknowledged; publishes wait on it so a frame published right
  // after subscribe() in this process is not lost. All waiters resume in the order they started
  // waiting (callbacks of one promise run in registration order), which keeps publish order.
  let subscribing: Promise<void> | undefined;

  const dispatch = (message: string) => {
    const decoded = decodeRoomMessage(message);
    if (decoded instanceof Error) {
      onError(decoded, { phase: 'decode' });
      return;
    }
    const { room, frame } = decoded;
    for (const subscription of [...subscriptions]) {
      if (!subscription.active) continue;
      try {
        const result: unknown = subscription.handler(room, frame);
        if (result instanceof Promise) {
          result.catch((error: unknown) => onError(toError(error), { room, phase: 'handler' }));
        }
      } catch (error) {
        onError(toError(error), { room, phase: 'handler' });
      }
    }
  };

  const listen = () => {
    const acknowledged = subscriber.client.subscribe(channel, dispatch).catch((error: unknown) => {
      if (closed) return;
      // Reported, and forgotten so that the next subscribe() tries again.
      onError(toError(error), { phase: 'broker' });
      subscribed = undefined;
    });
    subscribed = acknowledged;
    subscribing = acknowledged;
    void acknowledged.then(() => {
      subscribing = undefined;
    });
  };

  return {
    async publish(room, frame) {
      if (closed) throw new Error('Room broadcaster is closed');
      assertRoomName(room);
      if (subscribing) {
        await subscribing;
        if (closed) throw new Error('Room broadcaster is closed');
      }
      // No await between here and the command being queued on the one publisher connection, so frames
      // leave (and Redis fans them out) in publish order.
      await publisher.client.publish(channel, encodeRoomMessage(room, frame));
    },

    subscribe(handler) {
      if (closed) throw new Error('Room broadcaster is closed');
      const subscription: Subscription = { handler, active: true };
      subscriptions.add(subscription);
      if (!subscribed) listen();
      return () => {
        subscription.active = false;
        subscriptions.delete(subscription);
      };
    },

    async ready() {
      if (subscribed) await subscribed;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.active = false;
      subscriptions.clear();
      await Promise.all([subscriber.close(), publisher.close()]);
    },
  };
}
