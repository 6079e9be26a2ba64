/**
 * The stored provider events that this process's webhook batches handled, remembered once their
 * transaction committed, so that each one's own job ends without opening a transaction
 * (docs/payments.md, "Webhook batches"). Only a committed `processed_at` is remembered, so skipping is
 * what the job would have decided after locking the row; an event not remembered (evicted, handled by
 * another process, a restart) takes the usual path, which finds it processed.
 */
export class BatchHandledEvents {
  /** Insertion-ordered, so the oldest key is evicted first. */
  private readonly keys = new Set<string>();

  /** `capacity` bounds the memory when the jobs run elsewhere (BullMQ on other workers) and never ask. */
  constructor(private readonly capacity = 10_000) {}

  /** Records events whose handling has committed. */
  remember(provider: string, eventIds: readonly string[]): void {
    for (const eventId of eventIds) this.keys.add(keyOf(provider, eventId));
    for (const oldest of this.keys) {
      if (this.keys.size <= this.capacity) break;
      this.keys.delete(oldest);
    }
  }

  /** Whether the event was remembered; forgets it, since its one job asks once. */
  take(provider: string, eventId: string): boolean {
    return this.keys.delete(keyOf(provider, eventId));
  }
}

function keyOf(provider: string, eventId: string): string {
  return `${provider}\n${eventId}`;
}
