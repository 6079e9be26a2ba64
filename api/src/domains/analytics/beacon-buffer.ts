/**
 * Beacons wait here and reach the store in batches: a beacon costs the gateway no database round trip.
 * A batch is written when it is full or every `flushIntervalMs`, and once more when the gateway stops.
 * A failed write is retried with the next flush; past `maxPending` the buffer refuses new beacons
 * (the route answers 503) rather than grow without bound.
 */
import type { Logger } from '@streamhub/logger/logger';
import type { AnalyticsStore, BeaconRecord } from './analytics-store.ts';

export interface BeaconBufferOptions {
  maxBatch: number;
  maxPending: number;
  flushIntervalMs: number;
}

export const DEFAULT_BEACON_BUFFER: BeaconBufferOptions = {
  maxBatch: 2000,
  maxPending: 100_000,
  flushIntervalMs: 1000,
};

export class BeaconBuffer {
  private pending: BeaconRecord[] = [];
  private flushing: Promise<void> | undefined;
  /** Beacons accepted since start, for the ingest-rate metric. */
  accepted = 0;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly logger: Logger,
    private readonly options: BeaconBufferOptions = DEFAULT_BEACON_BUFFER,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /** False when the buffer is full. */
  push(record: BeaconRecord): boolean {
    if (this.pending.length >= this.options.maxPending) return false;
    this.pending.push(record);
    this.accepted += 1;
    if (this.pending.length >= this.options.maxBatch) void this.flush();
    return true;
  }

  /** Writes everything pending; concurrent calls share one pass. Never rejects (failures are logged). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      try {
        await this.store.append(batch);
      } catch (error) {
        // Back to the front, in order; the next flush tries again.
        this.pending.unshift(...batch.slice(0, Math.max(0, this.options.maxPending - this.pending.length)));
        this.logger.error({ err: error, beacons: batch.length }, 'analytics beacons not written; will retry');
        return;
      }
    }
  }

  /** Flushes every `flushIntervalMs`; the returned function stops the timer and flushes what is left. */
  start(): () => Promise<void> {
    const timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    timer.unref?.();
    return async () => {
      clearInterval(timer);
      await this.flush();
    };
  }
}
