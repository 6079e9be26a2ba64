import { describe, expect, it } from 'vitest';
import { decodeCursor, type KeysetPosition, keysetPage } from './keyset.ts';

const position = (n: number): KeysetPosition => ({
  createdAt: `2026-01-01T00:00:0${n}.000000Z`,
  id: `00000000-0000-4000-8000-00000000000${n}`,
});

describe('keysetPage', () => {
  it('keeps `limit` rows and points the cursor at the last kept row when an extra row was read', () => {
    const rows = [1, 2, 3, 4];
    const page = keysetPage(rows, 3, position);
    expect(page.items).toEqual([1, 2, 3]);
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor(page.nextCursor ?? '')).toEqual(position(3));
  });

  it('ends the list when no extra row came back, even on a full page', () => {
    expect(keysetPage([1, 2, 3], 3, position)).toEqual({ items: [1, 2, 3], nextCursor: null });
    expect(keysetPage([1], 3, position)).toEqual({ items: [1], nextCursor: null });
    expect(keysetPage([], 3, position)).toEqual({ items: [], nextCursor: null });
  });
});
