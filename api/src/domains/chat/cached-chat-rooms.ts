/**
 * What the realtime hub reads when a client joins a room, the room (channel, live flag, chat rules)
 * and its history, coalesced and cached per replica, so that thousands of clients joining at once
 * cost a few database reads instead of thousands. Posting goes straight to the chat service.
 *
 * Why what it serves is correct, on one replica or many sharing the database:
 * - Every change to what a join shows reaches every replica as a room frame (a new or deleted message,
 *   new rules) or a domain event (a stream started or ended), published after it is stored. On arrival
 *   it invalidates the cache here, and no caller from then on gets a value, or joins a read, from
 *   before it; callers already waiting on an overtaken read get a later one (see coalesced-reads.ts).
 * - A change whose frame has not reached this replica yet can be missing from what it serves, and so
 *   can one that overtook every read a waiting caller was given (MAX_READS_PER_FLIGHT, in a room busier
 *   than its reads). The client still sees it: the hub makes a joining client a member of the room
 *   before it asks for the history and hands it the frames that arrive meanwhile after `joined`, so
 *   history and live frames together have no gap. The room (rules, live flag) is read before that; it
 *   would be stale only if rule changes or stream starts overtook three reads in a row.
 * - Lost frames (a replica cut off from Redis) and changes that send no frame (an author renaming
 *   themselves) are bounded by the maximum age: a value is read again after ROOM_READS_MAX_AGE_MS.
 */
import type { DomainEvents } from '@streamhub/contracts/events';
import type { ChatMessage, RoomFrame } from '@streamhub/contracts/realtime';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import type { ChatRoom, ChatService, PostInput } from './chat.service.ts';
import { CoalescedReads } from './coalesced-reads.ts';

/** Long enough to absorb a join storm in a handful of reads, short enough to bound a lost frame. */
export const ROOM_READS_MAX_AGE_MS = 2000;

// Rooms and histories kept per replica; a history is 50 messages, so this stays a few megabytes.
const MAX_CACHED_ROOMS = 1000;

type Effect = 'history' | 'room' | 'none';

// What a room frame changes in a join. A Record, so a new room frame type is a compile error until
// someone decides what it invalidates.
const EFFECT_OF_FRAME: Record<RoomFrame['type'], Effect> = {
  'chat.message': 'history',
  'chat.deleted': 'history',
  // A tip's highlight is shown as it happens and is not part of the history.
  'chat.tip': 'none',
  'chat.settings': 'room',
  'stream.status': 'room',
  // Bans and time-outs change who may post, not what was said nor the rules.
  moderation: 'none',
  viewers: 'none',
};

export interface CachedChatRoomsDeps {
  chat: Pick<ChatService, 'room' | 'history' | 'post'>;
  /** The broadcaster every replica's room frames pass through (Redis when scaled out). */
  rooms: RoomBroadcaster;
  events: EventBus<DomainEvents>;
  maxAgeMs?: number;
}

export class CachedChatRooms {
  private readonly rooms: CoalescedReads<string, ChatRoom>;
  private readonly histories: CoalescedReads<string, ChatMessage[]>;
  private readonly stops: (() => void)[];

  constructor(private readonly deps: CachedChatRoomsDeps) {
    const options = { maxAgeMs: deps.maxAgeMs ?? ROOM_READS_MAX_AGE_MS, maxKeys: MAX_CACHED_ROOMS };
    this.rooms = new CoalescedReads(options);
    this.histories = new CoalescedReads(options);
    // Rooms are keyed by the slug a client asked for, so a change to one channel forgets them all;
    // rule changes and stream starts are rare next to joins.
    const forgetRooms = () => this.rooms.invalidateAll();
    this.stops = [
      deps.rooms.subscribe((room, frame) => this.onRoomFrame(room, frame)),
      deps.events.subscribe('stream.started', forgetRooms),
      deps.events.subscribe('stream.ended', forgetRooms),
    ];
  }

  /** The channel behind a room, with its rules; not found → AppError `not_found` (never cached). */
  room(slug: string): Promise<ChatRoom> {
    return this.rooms.get(slug, () => this.deps.chat.room(slug));
  }

  /** The last messages of a room, oldest first, as `ChatService.history`. */
  history(channelId: string): Promise<ChatMessage[]> {
    return this.histories.get(channelId, () => this.deps.chat.history(channelId));
  }

  post(input: PostInput): Promise<ChatMessage> {
    return this.deps.chat.post(input);
  }

  /** Stops listening for changes (closing the broadcaster and the event bus does it too). */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private onRoomFrame(room: string, frame: string): void {
    const type = frameType(frame);
    const effect = type !== undefined && isRoomFrameType(type) ? EFFECT_OF_FRAME[type] : undefined;
    if (effect === 'history') this.histories.invalidate(room);
    else if (effect === 'room') this.rooms.invalidateAll();
    else if (effect === undefined && this.histories.has(room)) {
      // Not a frame this module knows, in a room it caches: forget everything rather than guess.
      this.histories.invalidate(room);
      this.rooms.invalidateAll();
    }
  }
}

const isRoomFrameType = (type: string): type is RoomFrame['type'] => Object.hasOwn(EFFECT_OF_FRAME, type);

// The frame is this application's own serialisation (room frames never carry anything else), read
// only for its type; anything unexpected gets the most cautious treatment above.
function frameType(frame: string): string | undefined {
  try {
    const value: unknown = JSON.parse(frame);
    if (typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string') {
      return value.type;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
