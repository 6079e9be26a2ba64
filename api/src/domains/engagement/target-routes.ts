/**
 * How a target kind appears in routes: the same like and comment routes are built for each kind
 * (`/api/v1/live-sessions/{id}/…` now, `/api/v1/videos/{id}/…` with the VOD domain).
 */
import type { EngagementTargetType } from '@streamhub/contracts/engagement';

export interface TargetRoutesSpec {
  type: EngagementTargetType;
  /** In operation ids, e.g. `likeLiveSession`. */
  operationName: string;
  /** In summaries, e.g. "live session". */
  label: string;
}

/** Mounted under `/api/v1/live-sessions`: a broadcast, live or recorded. */
export const LIVE_SESSION_ROUTES: TargetRoutesSpec = {
  type: 'live_session',
  operationName: 'LiveSession',
  label: 'live session',
};
