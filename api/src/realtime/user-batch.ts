/**
 * One room message carrying the same frame for many users, each with its own value in one slot (a
 * go-live's notification for every follower, differing only by its id). A fan-out publishes one such
 * message per chunk instead of one per recipient; every replica reads the recipients and frames only
 * those signed in on it, so 100,000 followers cost one message per chunk on the wire and a map lookup
 * each on every replica, and only the online ones are framed.
 */

/** The reserved room of user batches: a channel room is a uuid and a user's own room `user:<id>`. */
export const USER_BATCH_ROOM = 'users:batch';

interface UserBatch {
  head: string;
  tail: string;
  /** userId, value, userId, value, … */
  to: string[];
}

/**
 * The message for `frame` (already encoded, holding `slot` once where each user's value goes) sent to
 * each of `recipients` with their value.
 */
export function encodeUserBatch(
  frame: string,
  slot: string,
  recipients: readonly { userId: string; value: string }[],
): string {
  const at = frame.indexOf(slot);
  if (at < 0) throw new Error('user batch: the frame does not hold its slot');
  const to: string[] = [];
  for (const { userId, value } of recipients) to.push(userId, value);
  const batch: UserBatch = { head: frame.slice(0, at), tail: frame.slice(at + slot.length), to };
  return JSON.stringify(batch);
}

/** Calls `send` with each recipient of the batch that `isHere` and their frame; others cost a lookup. */
export function deliverUserBatch(
  message: string,
  isHere: (userId: string) => boolean,
  send: (userId: string, frame: string) => void,
): void {
  const { head, tail, to } = JSON.parse(message) as UserBatch;
  for (let i = 0; i + 1 < to.length; i += 2) {
    const userId = to[i] as string;
    if (isHere(userId)) send(userId, `${head}${to[i + 1] as string}${tail}`);
  }
}
