/** The counted-view rule on its own: one counted view per viewer and target in any 30 minutes. */
import { describe, expect, it } from 'vitest';
import { pairKey, type ViewCandidate } from './analytics-store.ts';
import { decideCountedViews } from './counted-views.ts';

const candidate = (viewId: string, start: string, viewerId = 'a:1', targetId = 'video-1'): ViewCandidate => ({
  viewId,
  startedAt: new Date(start),
  targetType: 'video',
  targetId,
  channelId: null,
  viewerId,
});

const counted = (decisions: { viewId: string; counted: boolean }[]) =>
  decisions.filter((d) => d.counted).map((d) => d.viewId);

describe('decideCountedViews', () => {
  it('counts the first view of a viewer and target, and none within the next 30 minutes', () => {
    const decisions = decideCountedViews(
      [
        candidate('c', '2026-11-10T10:29:59Z'),
        candidate('a', '2026-11-10T10:00:00Z'),
        candidate('b', '2026-11-10T10:10:00Z'),
        candidate('d', '2026-11-10T10:30:00Z'),
      ],
      new Map(),
    );
    expect(decisions.map((d) => d.viewId)).toEqual(['a', 'b', 'c', 'd']);
    expect(counted(decisions)).toEqual(['a', 'd']);
  });

  it('keeps viewers and targets apart', () => {
    const decisions = decideCountedViews(
      [
        candidate('a', '2026-11-10T10:00:00Z'),
        candidate('b', '2026-11-10T10:00:01Z', 'a:2'),
        candidate('c', '2026-11-10T10:00:02Z', 'a:1', 'video-2'),
      ],
      new Map(),
    );
    expect(counted(decisions)).toEqual(['a', 'b', 'c']);
  });

  it('respects views counted before, on either side of the candidate', () => {
    const known = new Map([[pairKey('a:1', 'video-1'), [new Date('2026-11-10T10:20:00Z')]]]);
    const decisions = decideCountedViews(
      [
        candidate('early', '2026-11-10T10:00:00Z'),
        candidate('late', '2026-11-10T10:49:00Z'),
        candidate('later', '2026-11-10T10:50:00Z'),
      ],
      known,
    );
    expect(counted(decisions)).toEqual(['later']);
    expect(known.get(pairKey('a:1', 'video-1'))?.map((d) => d.toISOString())).toEqual([
      '2026-11-10T10:20:00.000Z',
      '2026-11-10T10:50:00.000Z',
    ]);
  });
});
