/**
 * Groups the calls made during one event-loop turn into one call of a batch handler (docs/events.md,
 * "Batched consumers"): durable consumers whose jobs start together (the relay hands a consumer every
 * event of its batch at once) share one statement instead of one each, and none waits longer than the
 * turn it arrived in. Each call keeps its own outcome: when a group fails, each of its items is tried
 * alone, so one bad item fails only its own caller (and its own job's retries).
 */

/** Most items in one group; more wait for the next group, sent at once beside it. */
const MAX_GROUP = 64;

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class TurnBatch<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private scheduled = false;

  /**
   * `handleMany` gets the items of one turn (at most `maxGroup`) and resolves to one result per item,
   * in their order. It must be safe to call again with any of them alone after it failed for a group.
   */
  constructor(
    private readonly handleMany: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxGroup = MAX_GROUP,
  ) {}

  /** Resolves to `item`'s result once its group (or, after a failed group, the item alone) is handled. */
  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    for (let start = 0; start < all.length; start += this.maxGroup) {
      void this.send(all.slice(start, start + this.maxGroup));
    }
  }

  private async send(group: readonly Waiting<T, R>[]): Promise<void> {
    let results: readonly R[];
    try {
      results = await this.handleMany(group.map(({ item }) => item));
      if (results.length !== group.length)
        throw new Error(`a batch of ${group.length} gave ${results.length} results`);
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
      await Promise.all(group.map((one) => this.send([one])));
      return;
    }
    for (const [index, one] of group.entries()) one.resolve(results[index] as R);
  }
}
