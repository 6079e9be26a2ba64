/**
 * In-process room broadcaster. Broadcasters created with the same prefix in one process share a hub,
 * as Redis replicas share a channel, so an all-in-one process behaves like a scaled-out deployment.
 */
import { resolvePrefix } from '../../shared/prefix.ts';
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
  onError: RoomBroadcasterErrorHandler;
  active: boolean;
}

interface Hub {
  subscriptions: Set<Subscription>;
  broadcasters: number;
}

const hubs = new Map<string, Hub>();

export interface MemoryRoomBroadcasterOptions {
  prefix?: string;
  onError?: RoomBroadcasterErrorHandler;
}

/** Creates an in-process broadcaster; see the module comment for how broadcasters with one prefix connect. */
export function createMemoryRoomBroadcaster(options: MemoryRoomBroadcasterOptions = {}): RoomBroadcaster {
  const onError = options.onError ?? logRoomBroadcasterError;
  const hubKey = resolvePrefix(options.prefix);
  const hub = acquireHub(hubKey);
  const own = new Set<Subscription>();
  let closed = false;

  return {
    async publish(room, frame) {
      if (closed) throw new Error('Room broadcaster is closed');
      assertRoomName(room);
      if (hub.subscriptions.size === 0) return;
      // Snapshot now (a later subscriber must not see an earlier frame, as with Redis) and deliver on a
      // later turn so no handler runs inside publish. setImmediate callbacks run in the order they were
      // queued, which keeps one publisher's frames in order.
      const targets = [...hub.subscriptions];
      setImmediate(() => {
        for (const subscription of targets) {
          if (subscription.active) invoke(subscription, room, frame);
        }
      });
    },

    subscribe(handler) {
      if (closed) throw new Error('Room broadcaster is closed');
      const subscription: Subscription = { handler, onError, active: true };
      hub.subscriptions.add(subscription);
      own.add(subscription);
      return () => {
        subscription.active = false;
        own.delete(subscription);
        hub.subscriptions.delete(subscription);
      };
    },

    async ready() {},

    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of own) {
        subscription.active = false;
        hub.subscriptions.delete(subscription);
      }
      own.clear();
      releaseHub(hubKey, hub);
    },
  };
}

function invoke(subscription: Subscription, room: string, frame: string): void {
  try {
    // Typed as returning void, but an async handler must not leave an unhandled rejection behind.
    const result: unknown = subscription.handler(room, frame);
    if (result instanceof Promise) {
      result.catch((error: unknown) => subscription.onError(toError(error), { room, phase: 'handler' }));
    }
  } catch (error) {
    subscription.onError(toError(error), { room, phase: 'handler' });
  }
}

function acquireHub(key: string): Hub {
  let hub = hubs.get(key);
  if (!hub) {
    hub = { subscriptions: new Set(), broadcasters: 0 };
    hubs.set(key, hub);
  }
  hub.broadcasters += 1;
  return hub;
}

// Hubs are dropped with their last broadcaster so short-lived ones (tests, CLI) do not accumulate.
function releaseHub(key: string, hub: Hub): void {
  hub.broadcasters -= 1;
  if (hub.broadcasters === 0 && hubs.get(key) === hub) hubs.delete(key);
}
