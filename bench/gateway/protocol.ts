/** The contract between the orchestrator and a server process: how it is started and how it says it is up. */

export const BENCH_HOST = '127.0.0.1';
export const BENCH_PATH = '/api/v1/system/info';
export const BENCH_ORIGIN = 'https://bench.example';

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
