/**
 * The counted-view rule (docs/analytics.md): a view counts once it has watched long enough, and at most
 * one view of a viewer per target counts in any 30 minutes, so refreshing a page does not inflate counts.
 */
import { pairKey, type ViewCandidate, type ViewDecision } from './analytics-store.ts';

export const COUNTED_VIEW_WINDOW_MS = 30 * 60_000;

/**
 * Decides each candidate, oldest first: counted unless a counted view of the same viewer and target
 * started less than the window before or after it. `counted` holds the starts already counted per pair
 * (within a window of the candidates) and is updated with the new ones.
 */
export function decideCountedViews(
  candidates: readonly ViewCandidate[],
  counted: Map<string, Date[]>,
  windowMs = COUNTED_VIEW_WINDOW_MS,
): ViewDecision[] {
  const ordered = [...candidates].sort(
    (a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.viewId.localeCompare(b.viewId),
  );
  return ordered.map((candidate) => {
    const key = pairKey(candidate.viewerId, candidate.targetId);
    const starts = counted.get(key) ?? [];
    const start = candidate.startedAt.getTime();
    const clash = starts.some((other) => Math.abs(other.getTime() - start) < windowMs);
    if (!clash) counted.set(key, [...starts, candidate.startedAt]);
    return { ...candidate, counted: !clash };
  });
}
