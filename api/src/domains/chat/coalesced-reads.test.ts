/** Single flight, invalidation during a read, the age limit and the key bound of CoalescedReads. */
import { describe, expect, it } from 'vitest';
import { CoalescedReads, MAX_READS_PER_FLIGHT } from './coalesced-reads.ts';

/** A read the test settles by hand, counting how often it was started. */
function manualSource<V>() {
  const pending: { resolve: (value: V) => void; reject: (error: Error) => void }[] = [];
  return {
    pending,
    read: () =>
      new Promise<V>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
    /** Settles the oldest unsettled read. */
    settle(value: V) {
      const next = pending.shift();
      if (!next) throw new Error('no read in flight');
      next.resolve(value);
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

// Ages and key counts that no test reaches unless it sets them itself.
const coalesced = () => new CoalescedReads<string, string>({ maxAgeMs: 60_000, maxKeys: 10 });

describe('CoalescedReads', () => {
  it('runs one read for every caller that arrives while it is in flight, then serves the cache', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const callers = Array.from({ length: 100 }, () => reads.get('a', source.read));
    expect(source.pending).toHaveLength(1);
    source.settle('v1');
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['v1']));
    expect(await reads.get('a', source.read)).toBe('v1');
    expect(source.pending).toHaveLength(0);
  });

  it('keeps keys apart', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const a = reads.get('a', source.read);
    const b = reads.get('b', source.read);
    source.settle('for a');
    source.settle('for b');
    expect([await a, await b]).toEqual(['for a', 'for b']);
  });

  it('reads again after an invalidation', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const first = reads.get('a', source.read);
    source.settle('old');
    await first;
    reads.invalidate('a');
    const second = reads.get('a', source.read);
    expect(source.pending).toHaveLength(1);
    source.settle('new');
    expect(await second).toBe('new');
  });

  it('gives a caller that came after an invalidation a read that began after it, and so the early ones', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const early = reads.get('a', source.read);
    reads.invalidate('a');
    const late = reads.get('a', source.read);
    expect(source.pending).toHaveLength(2);
    source.settle('read before the change');
    source.settle('read after the change');
    expect([await early, await late]).toEqual(['read after the change', 'read after the change']);
    expect(await reads.get('a', source.read)).toBe('read after the change');
    expect(source.pending).toHaveLength(0);
  });

  it('repeats a read overtaken by an invalidation before its callers get anything', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const caller = reads.get('a', source.read);
    reads.invalidate('a');
    source.settle('read before the change');
    await settled();
    expect(source.pending).toHaveLength(1);
    // A caller arriving now joins the repeat, which began after the change.
    const joining = reads.get('a', source.read);
    expect(source.pending).toHaveLength(1);
    source.settle('read after the change');
    expect([await caller, await joining]).toEqual(['read after the change', 'read after the change']);
  });

  it('hands out the last of MAX_READS_PER_FLIGHT overtaken reads uncached, so a busy key still answers', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const caller = reads.get('a', source.read);
    for (let read = 1; read <= MAX_READS_PER_FLIGHT; read++) {
      reads.invalidate('a');
      source.settle(`read ${read}`);
      await settled();
    }
    expect(await caller).toBe(`read ${MAX_READS_PER_FLIGHT}`);
    expect(source.pending).toHaveLength(0);
    const next = reads.get('a', source.read);
    expect(source.pending).toHaveLength(1);
    source.settle('fresh');
    expect(await next).toBe('fresh');
  });

  it('shares a failure with the callers waiting for it and caches nothing', async () => {
    const reads = coalesced();
    const source = manualSource<string>();
    const one = reads.get('a', source.read);
    const two = reads.get('a', source.read);
    source.pending.shift()?.reject(new Error('no such room'));
    await expect(one).rejects.toThrow('no such room');
    await expect(two).rejects.toThrow('no such room');
    const retry = reads.get('a', source.read);
    expect(source.pending).toHaveLength(1);
    source.settle('there now');
    expect(await retry).toBe('there now');
  });

  it('reads again once a value is older than maxAgeMs, measured from when its read began', async () => {
    let now = 1_000;
    const reads = new CoalescedReads<string, string>({ maxAgeMs: 500, maxKeys: 10, now: () => now });
    const source = manualSource<string>();
    const first = reads.get('a', source.read);
    now += 200;
    source.settle('v1');
    await first;
    now += 299;
    expect(await reads.get('a', source.read)).toBe('v1');
    now += 1;
    const second = reads.get('a', source.read);
    expect(source.pending).toHaveLength(1);
    source.settle('v2');
    expect(await second).toBe('v2');
  });

  it('drops the oldest settled keys beyond maxKeys but never a read in flight', async () => {
    const reads = new CoalescedReads<string, string>({ maxAgeMs: 60_000, maxKeys: 2 });
    const source = manualSource<string>();
    const a = reads.get('a', source.read);
    const b = reads.get('b', source.read);
    source.settle('a1');
    await a;
    // 'a' is settled, 'b' in flight: 'c' pushes out 'a' only.
    const c = reads.get('c', source.read);
    expect(reads.has('a')).toBe(false);
    expect(reads.has('b')).toBe(true);
    // An invalidation still reaches the read in flight for 'b'.
    reads.invalidate('b');
    source.settle('b before the change');
    source.settle('c1');
    await settled();
    source.settle('b after the change');
    expect([await b, await c]).toEqual(['b after the change', 'c1']);
  });
});
