/** The JSON lines of the paired-slice load process (`slice-worker.ts`), shared with the orchestrator. */

export interface Slice {
  block: number;
  target: 'a' | 'b';
  /** Completed requests over the slice's duration. */
  requestsPerSecond: number;
  /** Completed requests in the slice. */
  requests: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

export type SliceEvent =
  | { event: 'measuring' }
  | ({ event: 'slice' } & Slice)
  | { event: 'done'; clientCpu: number };

export function parseSliceEvent(line: string): SliceEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = (value as { event?: unknown }).event;
  return event === 'measuring' || event === 'slice' || event === 'done' ? (value as SliceEvent) : undefined;
}
