/**
 * drizzle queries on the `webhooks` schema. No rules here: the webhooks service decides. The one read
 * outside it, `channelOwners`, uses the channels' exported columns (packages/db/src/read-exports.ts).
 */
import type { Db } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { channels } from '@streamhub/db/schema/channels';
import {
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '@streamhub/db/schema/webhooks';
import { and, asc, desc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

export type NewEndpoint = Pick<
  typeof webhookEndpoints.$inferInsert,
  'ownerId' | 'scope' | 'url' | 'eventTypes' | 'description' | 'secret'
>;

export type EndpointPatch = Partial<
  Pick<
    typeof webhookEndpoints.$inferInsert,
    'url' | 'eventTypes' | 'description' | 'enabled' | 'disabledReason' | 'failingSince'
  >
>;

export interface NewDelivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
}

export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  succeeded: boolean;
  responseStatus: number | null;
  error: string | null;
  latencyMs: number;
  attemptedAt: Date;
}

/** The endpoint a drain sends to, read by the statement that starts the drain (`startDrain`). */
export interface DrainTarget {
  endpointId: string;
  ownerId: string;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  enabled: boolean;
  drainSeq: number;
}

/** One attempt taken for sending, with what it sends. */
export interface ClaimedBatchDelivery {
  deliveryId: string;
  attempt: number;
  eventId: string;
  eventType: string;
  body: string;
  createdAt: Date;
}

/** A stored delivery no attempt has started, with its endpoint's drain generation. */
export interface QueuedDelivery {
  id: string;
  eventId: string;
  endpointId: string;
  drainSeq: number;
}

export interface DeliveryWithAttempts extends WebhookDeliveryRow {
  attemptLog: WebhookAttemptRow[];
}

/** What a failed attempt leads to, decided by the service. */
export interface FailureOutcome {
  /** The next attempt's time, or null when the delivery is given up. */
  nextAttemptAt: Date | null;
  /**
   * Called in the transaction with the endpoint's `failing_since` (now set) and the time of this
   * delivery's first attempt; returns whether to disable the endpoint, and does what goes with it.
   */
  disableIf?: (
    tx: Parameters<InTransaction>[0],
    failingSince: Date,
    firstAttemptAt: Date,
  ) => Promise<string | undefined>;
}

/**
 * A taken attempt's lease: its `next_attempt_at` until its outcome is logged. Should the outcome never
 * be logged (the process died between the claim and the log), the delivery becomes due again then, and
 * the endpoint's next batch (`claimDue`) takes it. Far beyond any attempt's time limit.
 */
const ATTEMPT_LEASE_SECONDS = 15 * 60;

export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async createEndpoint(values: NewEndpoint): Promise<WebhookEndpointRow> {
    const [row] = await this.db.insert(webhookEndpoints).values(values).returning();
    if (!row) throw new Error('insert returned no endpoint');
    return row;
  }

  async findEndpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
    return row;
  }

  /** The owner's endpoints, and every instance endpoint when `withInstance`; newest first. */
  async listEndpoints(ownerId: string, withInstance: boolean): Promise<WebhookEndpointRow[]> {
    const mine = eq(webhookEndpoints.ownerId, ownerId);
    return this.db
      .select()
      .from(webhookEndpoints)
      .where(withInstance ? or(mine, eq(webhookEndpoints.scope, 'instance')) : mine)
      .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    return row;
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const removed = await this.db
      .delete(webhookEndpoints)
      .where(eq(webhookEndpoints.id, id))
      .returning({ id: webhookEndpoints.id });
    return removed.length > 0;
  }

  /** Makes `secret` the signing secret; the current one keeps signing until `previousUntil`. */
  async rotateSecret(
    id: string,
    secret: string,
    previousUntil: Date,
  ): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({
        previousSecret: sql`${webhookEndpoints.secret}`,
        previousSecretExpiresAt: previousUntil,
        secret,
        updatedAt: sql`now()`,
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    return row;
  }

  /** The owners of `channelIds` by channel id (read-only, on the channels' exported columns). */
  async channelOwners(channelIds: readonly string[]): Promise<Map<string, string>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .select({ id: channels.id, ownerId: channels.ownerId })
      .from(channels)
      .where(inArray(channels.id, [...new Set(channelIds)]));
    return new Map(rows.map((row) => [row.id, row.ownerId]));
  }

  /**
   * Enabled endpoints subscribed to one of `eventTypes` (or to every type) that are instance-wide or
   * owned by one of `ownerIds`: a batch's candidates, which `endpointMatches` then picks per event.
   */
  async matchingEndpoints(
    eventTypes: readonly string[],
    ownerIds: readonly string[],
  ): Promise<WebhookEndpointRow[]> {
    const audience: SQL[] = [eq(webhookEndpoints.scope, 'instance')];
    if (ownerIds.length > 0) audience.push(inArray(webhookEndpoints.ownerId, [...ownerIds]));
    const types = sql`array[${sql.join(
      eventTypes.map((type) => sql`${type}`),
      sql`, `,
    )}]::text[]`;
    return this.db
      .select()
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.enabled, true),
          or(...audience),
          sql`(cardinality(${webhookEndpoints.eventTypes}) = 0 or ${webhookEndpoints.eventTypes} && ${types})`,
        ),
      );
  }

  /**
   * Stores the deliveries (one per endpoint and event, whoever inserts first) and returns those of
   * `eventIds` that no attempt has started yet, with their event and their endpoint's drain generation:
   * the drains to queue, on a repeat as on the first pass. Read after the insert, so a generation read
   * here began after these deliveries were stored (`startDrain`).
   */
  async addDeliveries(eventIds: readonly string[], rows: readonly NewDelivery[]): Promise<QueuedDelivery[]> {
    if (rows.length > 0)
      await this.db
        .insert(webhookDeliveries)
        .values([...rows])
        .onConflictDoNothing();
    if (eventIds.length === 0) return [];
    return this.db
      .select({
        id: webhookDeliveries.id,
        eventId: webhookDeliveries.eventId,
        endpointId: webhookDeliveries.endpointId,
        drainSeq: webhookEndpoints.drainSeq,
      })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(
        and(
          inArray(webhookDeliveries.eventId, [...eventIds]),
          eq(webhookDeliveries.status, 'pending'),
          eq(webhookDeliveries.attempts, 0),
        ),
      );
  }

  /** One delivery of its own (a test event); unique ids, so no conflict. */
  async addDelivery(row: NewDelivery): Promise<WebhookDeliveryRow> {
    const [delivery] = await this.db.insert(webhookDeliveries).values(row).returning();
    if (!delivery) throw new Error('insert returned no delivery');
    return delivery;
  }

  /**
   * Starts a drain of the endpoint of `deliveryId`: bumps its drain generation, so that deliveries
   * stored from now on queue a new drain job, and returns what sending to it needs (undefined when the
   * delivery is gone with its endpoint). Its own statement, before any delivery row is locked, so it
   * never waits on a row in the order opposite to `recordFailure`'s.
   */
  async startDrain(deliveryId: string): Promise<DrainTarget | undefined> {
    const [target] = await this.db
      .update(webhookEndpoints)
      .set({ drainSeq: sql`${webhookEndpoints.drainSeq} + 1` })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookEndpoints.id, webhookDeliveries.endpointId)))
      .returning({
        endpointId: webhookEndpoints.id,
        ownerId: webhookEndpoints.ownerId,
        url: webhookEndpoints.url,
        secret: webhookEndpoints.secret,
        previousSecret: webhookEndpoints.previousSecret,
        previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
        enabled: webhookEndpoints.enabled,
        drainSeq: webhookEndpoints.drainSeq,
      });
    return target;
  }

  /**
   * One overdue delivery per enabled endpoint, up to `limit` endpoints: pending, and due (never taken, a
   * retry's time come, or a lease run out) more than `graceSeconds` ago, so the job that should have
   * taken it is gone (a process died with its in-memory jobs, or between a claim and its log).
   */
  async overdueByEndpoint(
    graceSeconds: number,
    limit: number,
  ): Promise<{ endpointId: string; deliveryId: string; attempt: number }[]> {
    const result = await this.db.execute(sql`
      select distinct on (d.endpoint_id) d.endpoint_id, d.id as delivery_id, d.attempts + 1 as attempt
      from ${webhookDeliveries} d join ${webhookEndpoints} e on e.id = d.endpoint_id and e.enabled
      where d.status = 'pending'
        and coalesce(d.next_attempt_at, '-infinity'::timestamptz) <= now() - ${graceSeconds} * interval '1 second'
        and d.created_at <= now() - ${graceSeconds} * interval '1 second'
      order by d.endpoint_id
      limit ${limit}`);
    return rowsOf<{ endpoint_id: string; delivery_id: string; attempt: number }>(result).map((row) => ({
      endpointId: row.endpoint_id,
      deliveryId: row.delivery_id,
      attempt: Number(row.attempt),
    }));
  }

  /** Bumps the endpoint's drain generation; resolves to the new one (whose job no one has queued yet). */
  async bumpDrainSeq(endpointId: string): Promise<number | undefined> {
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({ drainSeq: sql`${webhookEndpoints.drainSeq} + 1` })
      .where(eq(webhookEndpoints.id, endpointId))
      .returning({ drainSeq: webhookEndpoints.drainSeq });
    return row?.drainSeq;
  }

  /**
   * Takes attempt `attempt` of a pending delivery whose endpoint is enabled, in one statement, and
   * returns what sending it needs: undefined for every caller but one, however many run the same job (a
   * stalled BullMQ job picked up again, a repeated enqueue), and for a delivery done, stale or taken by
   * a drain.
   */
  async claimAttempt(deliveryId: string, attempt: number): Promise<ClaimedBatchDelivery | undefined> {
    const [claimed] = await this.db
      .update(webhookDeliveries)
      .set({ attempts: attempt, nextAttemptAt: sql`now() + ${ATTEMPT_LEASE_SECONDS} * interval '1 second'` })
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.status, 'pending'),
          eq(webhookDeliveries.attempts, attempt - 1),
          eq(webhookEndpoints.id, webhookDeliveries.endpointId),
          eq(webhookEndpoints.enabled, true),
        ),
      )
      .returning({
        deliveryId: webhookDeliveries.id,
        attempt: webhookDeliveries.attempts,
        eventId: webhookDeliveries.eventId,
        eventType: webhookDeliveries.eventType,
        body: webhookDeliveries.body,
        createdAt: webhookDeliveries.createdAt,
      });
    return claimed;
  }

  /**
   * Takes the next attempt of up to `limit` due deliveries of an enabled endpoint (first attempts not
   * yet taken, oldest first; then retries and redeliveries whose time has come and leases run out), in
   * one statement on the due-deliveries index: each row's attempt number is raised by one, leased and
   * returned, so each attempt is taken by one caller only. `skip locked` leaves rows that another
   * caller is taking to it, so no batch waits on another.
   */
  async claimDue(endpointId: string, limit: number): Promise<ClaimedBatchDelivery[]> {
    const result = await this.db.execute(sql`
      with taken as (
        select d.id from ${webhookDeliveries} d
        where d.endpoint_id = ${endpointId} and d.status = 'pending'
          and coalesce(d.next_attempt_at, '-infinity'::timestamptz) <= now()
        order by coalesce(d.next_attempt_at, '-infinity'::timestamptz), d.created_at
        limit ${limit}
        for update of d skip locked
      )
      update ${webhookDeliveries} d
      set attempts = d.attempts + 1,
        next_attempt_at = now() + ${ATTEMPT_LEASE_SECONDS} * interval '1 second'
      from taken, ${webhookEndpoints} e
      where d.id = taken.id and e.id = d.endpoint_id and e.enabled
      returning d.id as delivery_id, d.attempts as attempt, d.event_id, d.event_type, d.body,
        d.created_at`);
    const rows = rowsOf<{
      delivery_id: string;
      attempt: number;
      event_id: string;
      event_type: string;
      body: string;
      created_at: string | Date;
    }>(result);
    return rows
      .map((row) => ({
        deliveryId: row.delivery_id,
        attempt: Number(row.attempt),
        eventId: row.event_id,
        eventType: row.event_type,
        body: row.body,
        createdAt: new Date(row.created_at),
      }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /**
   * Gives up, without an attempt, a delivery waiting for attempt `attempt` and every delivery waiting
   * for its first, of an endpoint that is disabled: no job of their own would.
   */
  async abandonForDisabledEndpoint(endpointId: string, deliveryId: string, attempt: number): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({ status: 'failed', nextAttemptAt: null })
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookDeliveries.endpointId, endpointId),
          eq(webhookDeliveries.status, 'pending'),
          or(
            and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.attempts, attempt - 1)),
            isNull(webhookDeliveries.nextAttemptAt),
          ),
          eq(webhookEndpoints.id, webhookDeliveries.endpointId),
          eq(webhookEndpoints.enabled, false),
        ),
      );
  }

  /**
   * Logs 2xx attempts of one endpoint in one statement (data-modifying CTEs, so atomic): every attempt
   * logged, every delivery completed, the endpoint's failing streak ended.
   */
  async recordSuccesses(endpointId: string, records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const input = JSON.stringify(
      records.map((record) => ({
        delivery_id: record.deliveryId,
        attempt: record.attempt,
        response_status: record.responseStatus,
        latency_ms: record.latencyMs,
        attempted_at: record.attemptedAt.toISOString(),
      })),
    );
    await this.db.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${input}::jsonb)
          as t(delivery_id uuid, attempt int, response_status int, latency_ms int, attempted_at timestamptz)
      ), logged as (
        insert into ${webhookAttempts}
          (delivery_id, attempt, succeeded, response_status, error, latency_ms, attempted_at)
        select delivery_id, attempt, true, response_status, null, latency_ms, attempted_at from input
        on conflict do nothing
      ), completed as (
        update ${webhookDeliveries} d set status = 'succeeded', next_attempt_at = null
        from input where d.id = input.delivery_id
      )
      update ${webhookEndpoints} set failing_since = null
      where id = ${endpointId} and failing_since is not null`);
  }

  /**
   * Logs a failed attempt, schedules the next one or gives the delivery up, and starts (or continues)
   * the endpoint's failing streak; `outcome.disableIf` may disable the endpoint in the same transaction.
   * Resolves to the reason the endpoint was disabled for, if it was.
   */
  async recordFailure(record: AttemptRecord, outcome: FailureOutcome): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values(attemptValues(record)).onConflictDoNothing();
      await tx
        .update(webhookDeliveries)
        .set(
          outcome.nextAttemptAt
            ? { nextAttemptAt: outcome.nextAttemptAt }
            : { status: 'failed', nextAttemptAt: null },
        )
        .where(eq(webhookDeliveries.id, record.deliveryId));
      const [endpoint] = await tx
        .update(webhookEndpoints)
        .set({
          failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${record.attemptedAt.toISOString()}::timestamptz)`,
        })
        .where(eq(webhookEndpoints.id, record.endpointId))
        .returning({ failingSince: webhookEndpoints.failingSince, enabled: webhookEndpoints.enabled });
      if (!outcome.disableIf || !endpoint?.enabled || !endpoint.failingSince) return undefined;
      const [first] = await tx
        .select({ attemptedAt: webhookAttempts.attemptedAt })
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, record.deliveryId))
        .orderBy(asc(webhookAttempts.attempt))
        .limit(1);
      const reason = await outcome.disableIf(
        tx,
        endpoint.failingSince,
        first?.attemptedAt ?? record.attemptedAt,
      );
      if (reason === undefined) return undefined;
      await tx
        .update(webhookEndpoints)
        .set({ enabled: false, disabledReason: reason, updatedAt: sql`now()` })
        .where(eq(webhookEndpoints.id, record.endpointId));
      return reason;
    });
  }

  /** The endpoint's deliveries, newest first, each with its attempts oldest first. */
  async listDeliveries(
    endpointId: string,
    options: { limit: number; status?: WebhookDeliveryRow['status'] },
  ): Promise<DeliveryWithAttempts[]> {
    const deliveries = await this.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.endpointId, endpointId),
          options.status ? eq(webhookDeliveries.status, options.status) : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(options.limit);
    if (deliveries.length === 0) return [];
    const attempts = await this.db
      .select()
      .from(webhookAttempts)
      .where(
        inArray(
          webhookAttempts.deliveryId,
          deliveries.map((delivery) => delivery.id),
        ),
      )
      .orderBy(asc(webhookAttempts.attempt));
    return deliveries.map((delivery) => ({
      ...delivery,
      attemptLog: attempts.filter((attempt) => attempt.deliveryId === delivery.id),
    }));
  }

  /**
   * Puts a delivery of `endpointId` back to pending for one more attempt (manual redelivery); resolves
   * to the attempt number to run, or undefined when there is no such delivery.
   */
  async reopenDelivery(endpointId: string, deliveryId: string): Promise<number | undefined> {
    const [row] = await this.db
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: sql`now()` })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
      .returning({ attempts: webhookDeliveries.attempts, eventId: webhookDeliveries.eventId });
    return row ? row.attempts + 1 : undefined;
  }

  async findDelivery(endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
      .limit(1);
    return row;
  }
}

function attemptValues(record: AttemptRecord) {
  return {
    deliveryId: record.deliveryId,
    attempt: record.attempt,
    succeeded: record.succeeded,
    responseStatus: record.responseStatus,
    error: record.error,
    latencyMs: record.latencyMs,
    attemptedAt: record.attemptedAt,
  };
}
