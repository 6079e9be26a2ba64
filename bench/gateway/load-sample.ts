/** One measured load run as the load process reports it; shared by the load process and the orchestrator. */

export interface LoadSample {
  /** Mean of autocannon's per-second request counts over the measured run. */
  requestsPerSecond: number;
  totalRequests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** CPU the load generator itself used during the measured run, as a share of one core. */
  clientCpu: number;
}

/** The JSON lines the load process prints on stdout, in this order. */
export type LoadEvent = { event: 'measuring' } | ({ event: 'result' } & LoadSample);

export function parseLoadEvent(line: string): LoadEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = (value as { event?: unknown }).event;
  return event === 'measuring' || event === 'result' ? (value as LoadEvent) : undefined;
}
