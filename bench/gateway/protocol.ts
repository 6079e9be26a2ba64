/** The contract between the orchestrator and a server process: how it is started and how it says it is up. */

export const BENCH_HOST = '127.0.0.1';
export const BENCH_ORIGIN = 'https://bench.example';

/**
 * The two routes every server answers: a plain JSON route, and an authenticated one that verifies an
 * ES256 access token (jose) and reads one row (the session joined with its user) from PostgreSQL.
 */
export const BENCH_ROUTES = {
  plain: '/api/v1/system/info',
  auth: '/api/v1/auth/session',
} as const;

export type BenchRoute = keyof typeof BENCH_ROUTES;
export const ROUTE_NAMES: readonly BenchRoute[] = ['plain', 'auth'];

export function isBenchRoute(value: string): value is BenchRoute {
  return value === 'plain' || value === 'auth';
}

/** The one line a server process prints on stdout once it listens. */
export interface ReadyMessage {
  ready: true;
  port: number;
  runtime: 'node' | 'bun';
}

export function isReadyMessage(value: unknown): value is ReadyMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ready === true && typeof v.port === 'number' && (v.runtime === 'node' || v.runtime === 'bun');
}

/**
 * What the prepare step leaves in the shared data directory (`bench-auth.json`): a signed-in user's
 * access token for the load generator, and the public keys and claims every server verifies it with.
 */
export interface BenchAuth {
  token: string;
  userId: string;
  issuer: string;
  audience: string;
  jwks: { keys: Record<string, unknown>[] };
}

export const BENCH_AUTH_FILE = 'bench-auth.json';
