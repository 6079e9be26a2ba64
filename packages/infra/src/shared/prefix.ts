/** The key/channel namespace every port shares, without pulling a Redis client into embedded mode. */

/** Every key and channel of every port lives under this prefix unless told otherwise. */
export const DEFAULT_REDIS_PREFIX = 'streamhub:';

/** Normalises a key prefix: `undefined` → `streamhub:`, `app` → `app:`, `''` stays empty. */
export function resolvePrefix(prefix: string | undefined): string {
  const value = prefix ?? DEFAULT_REDIS_PREFIX;
  return value === '' || value.endsWith(':') ? value : `${value}:`;
}
