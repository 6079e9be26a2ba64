/**
 * `TurnBatch`: the calls of one event-loop turn reach the batch handler together, each caller gets its
 * own result, and a group that fails is retried item by item so that only the bad item's caller fails.
 */
import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.ts';

describe('TurnBatch', () => {
  it('hands the calls of one turn to one batch call and gives each caller its own result', async () => {
    const groups: number[][] = [];
    const batch = new TurnBatch(async (items: readonly number[]) => {
      groups.push([...items]);
      return items.map((n) => n * 10);
    });
    const results = await Promise.all([1, 2, 3].map((n) => batch.run(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(groups).toEqual([[1, 2, 3]]);
    // A later turn is a group of its own.
    expect(await batch.run(4)).toBe(40);
    expect(groups).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a turn into groups of at most maxGroup', async () => {
    const groups: number[] = [];
    const batch = new TurnBatch(async (items: readonly number[]) => {
      groups.push(items.length);
      return [...items];
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => batch.run(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(groups).toEqual([2, 2, 1]);
  });

  it('fails only the bad item of a failed group: the others are handled again alone and resolve', async () => {
    const groups: number[][] = [];
    const batch = new TurnBatch(async (items: readonly number[]) => {
      groups.push([...items]);
      if (items.includes(2)) throw new Error('item 2 is refused');
      return items.map((n) => n + 100);
    });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batch.run(n)));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 101 });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('item 2 is refused') });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 103 });
    expect(groups).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('takes a batch that answers for fewer items than it got for a failure', async () => {
    let calls = 0;
    const batch = new TurnBatch(async (items: readonly number[]) => {
      calls += 1;
      return items.length > 1 ? [items[0] as number] : [...items];
    });
    expect(await Promise.all([7, 8].map((n) => batch.run(n)))).toEqual([7, 8]);
    expect(calls).toBe(3);
  });
});
