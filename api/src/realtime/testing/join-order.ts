/** The check shared by the join-ordering tests of each runtime's server. */
import { expect } from 'vitest';
import type { TestWsClient } from '../../testing/ws-client.ts';

/**
 * Waits for the joiner's `joined` and the last live message, then checks that it saw each message once:
 * `inHistory` in the history only, `live` as `chat.message` frames after `joined` only, in order.
 */
export async function expectEachMessageOnce(
  joiner: TestWsClient,
  expected: { inHistory: string[]; live: string[] },
): Promise<void> {
  const joined = await joiner.next('joined');
  const last = expected.live.at(-1);
  await joiner.next('chat.message', (f) => f.message.id === last);
  const historyIds = joined.history.map((m) => m.id);
  expect(historyIds).toEqual(expect.arrayContaining(expected.inHistory));
  for (const id of expected.live) expect(historyIds).not.toContain(id);
  const joinedAt = joiner.frames.indexOf(joined);
  expect(joiner.frames.slice(0, joinedAt).filter((f) => f.type === 'chat.message')).toEqual([]);
  const liveIds = joiner.frames.flatMap((f) => (f.type === 'chat.message' ? [f.message.id] : []));
  expect(liveIds).toEqual(expected.live);
}
