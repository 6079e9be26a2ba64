/**
 * Groups the webhook stores asked for during one event-loop turn into one statement
 * (docs/payments.md, "Receiving"): under load, webhooks that arrive together cost one round trip and
 * one commit instead of one each, and none waits longer than the turn it arrived in.
 */
import type { SQL } from 'drizzle-orm';
import { TurnBatch } from '../../events/turn-batch.ts';
import type { NewProviderEvent } from './payments.repository.ts';

/** One provider event to store, with the durable event appended if and only if it is stored. */
export interface StoreRequest {
  event: NewProviderEvent;
  aggregate: string;
  append: (onlyIfStored: SQL) => SQL;
}

export class WebhookStoreQueue {
  /** The stores not yet committed, by event: a second delivery meanwhile waits for the first. */
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly batch: TurnBatch<StoreRequest, boolean>;

  constructor(storeAll: (requests: readonly StoreRequest[]) => Promise<boolean[]>) {
    this.batch = new TurnBatch(async (requests) =>
      (await storeAll(requests)).map((stored) => stored === true),
    );
  }

  /**
   * Resolves to whether this call stored the event (false for a replay), once it is committed. A second
   * delivery of an event still waiting here is a replay: it resolves to false once the first is stored.
   */
  store(request: StoreRequest): Promise<boolean> {
    const key = `${request.event.provider}\n${request.event.eventId}`;
    const same = this.pending.get(key);
    if (same) return same.then(() => false);
    const stored = this.batch.run(request);
    this.pending.set(key, stored);
    const forget = () => {
      this.pending.delete(key);
    };
    stored.then(forget, forget);
    return stored;
  }
}
