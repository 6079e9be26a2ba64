/** The one rule for room names shared by the room broadcaster and the presence store. */

/** Longest room name accepted; the gateway's rooms are channel ids (uuids, 36 characters). */
export const ROOM_NAME_MAX_LENGTH = 128;

/**
 * Rejects a room name that is empty, longer than {@link ROOM_NAME_MAX_LENGTH} or holds a line break:
 * the Redis broadcaster puts the room before the first `\n` of each message, so a `\n` would cut it.
 */
export function assertRoomName(room: string): void {
  if (typeof room !== 'string' || room.length === 0 || room.length > ROOM_NAME_MAX_LENGTH) {
    throw new RangeError(`A room name must be 1–${ROOM_NAME_MAX_LENGTH} characters, got ${preview(room)}`);
  }
  if (room.includes('\n') || room.includes('\r')) {
    throw new RangeError(`A room name must not contain a line break, got ${preview(room)}`);
  }
}

/** A short, log-safe rendering of a rejected value (never the whole of a huge string). */
export function preview(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  return value.length > 40
    ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} chars)`
    : JSON.stringify(value);
}
