import { describe, expect, it } from 'vitest';
import { deliverUserBatch, encodeUserBatch } from './user-batch.ts';

describe('user batches', () => {
  const frame = JSON.stringify({
    type: 'notification',
    notification: { id: 'SLOT', data: { title: 'SLOT' } },
  });

  it('frames each recipient who is here with their own value, and nobody else', () => {
    const message = encodeUserBatch(frame, 'SLOT', [
      { userId: 'u1', value: 'n1' },
      { userId: 'u2', value: 'n2' },
      { userId: 'u3', value: 'n3' },
    ]);
    const sent: [string, unknown][] = [];
    deliverUserBatch(
      message,
      (userId) => userId !== 'u2',
      (userId, text) => sent.push([userId, JSON.parse(text)]),
    );
    expect(sent).toEqual([
      ['u1', { type: 'notification', notification: { id: 'n1', data: { title: 'SLOT' } } }],
      ['u3', { type: 'notification', notification: { id: 'n3', data: { title: 'SLOT' } } }],
    ]);
  });

  it('refuses a frame without its slot', () => {
    expect(() => encodeUserBatch('{}', 'SLOT', [])).toThrow(/slot/);
  });
});
