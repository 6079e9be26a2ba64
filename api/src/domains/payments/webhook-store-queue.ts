/**
 * Groups the webhook stores asked for during one event-loop turn into one statement
 * (docs/payments.md, "Receiving"): under load, webhooks that arrive together cost one round trip and
 * one commit instead of one each, and none waits longer than the turn it arrived in.
 */
import type { SQL } from 'drizzle-orm';
import type { NewProviderEvent } from './payments.repository.ts';

/** One provider event to store, with the durable event appended if and only if it is stored. */
export interface StoreRequest {
  event: NewProviderEvent;
  aggregate: string;
  append: (onlyIfStored: SQL) => SQL;
}

interface Waiting extends StoreRequest {
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/** Most events in one statement; more wait for the next one, sent at once beside it. */
const MAX_GROUP = 64;

export class WebhookStoreQueue {
  private waiting = new Map<string, { request: Waiting; stored: Promise<boolean> }>();
  private scheduled = false;

  constructor(private readonly storeAll: (requests: readonly StoreRequest[]) => Promise<boolean[]>) {}

  /**
   * Resolves to whether this call stored the event (false for a replay), once it is committed. A second
   * delivery of an event still waiting here is a replay: it resolves to false once the first is stored.
   */
  store(request: StoreRequest): Promise<boolean> {
    const key = `${request.event.provider}\n${request.event.eventId}`;
    const same = this.waiting.get(key);
    if (same) return same.stored.then(() => false);
    let settle: Pick<Waiting, 'resolve' | 'reject'> | undefined;
    const stored = new Promise<boolean>((resolve, reject) => {
      settle = { resolve, reject };
    });
    if (!settle) throw new Error('unreachable: a promise runs its executor at once');
    this.waiting.set(key, { request: { ...request, ...settle }, stored });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return stored;
  }

  private flush(): void {
    this.scheduled = false;
    const all = [...this.waiting.values()].map(({ request }) => request);
    this.waiting = new Map();
    for (let start = 0; start < all.length; start += MAX_GROUP) {
      void this.send(all.slice(start, start + MAX_GROUP));
    }
  }

  private async send(group: readonly Waiting[]): Promise<void> {
    try {
      const stored = await this.storeAll(group);
      for (const [index, request] of group.entries()) request.resolve(stored[index] === true);
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
      // One bad event must fail only its own request: each is tried alone.
      await Promise.all(group.map((request) => this.send([request])));
    }
  }
}
