/**
 * The webhooks domain's rules (docs/webhooks.md): who may manage which endpoint, the SSRF check of a
 * target, turning each durable event into one delivery per matching endpoint, and each attempt of a
 * delivery: signed, logged, retried with exponential back-off over the retry window, and an endpoint
 * that fails for the whole window disabled with `webhook.endpoint_disabled`.
 */
import type { WebhooksConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEventName, type DomainEventPayload } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import {
  type CreateWebhookEndpoint,
  type RotateWebhookSecret,
  type UpdateWebhookEndpoint,
  WEBHOOK_ATTEMPT_HEADER,
  WEBHOOK_DELIVERY_ID_HEADER,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_EVENT_TYPE_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TEST_EVENT,
  type WebhookDeliveriesQuery,
  type WebhookDelivery,
  type WebhookDeliveryBody,
  type WebhookDeliveryList,
  type WebhookDeliveryQueued,
  type WebhookEndpoint,
  type WebhookEndpointList,
  type WebhookEndpointWithSecret,
} from '@streamhub/contracts/webhooks';
import type { UserRole } from '@streamhub/db/schema/users';
import type { WebhookEndpointRow } from '@streamhub/db/schema/webhooks';
import { AppError, conflict, forbidden, notFound } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import { audienceOf } from './event-audience.ts';
import { allowedAddresses, type ResolveHost, TargetRefusedError } from './target-guard.ts';
import { SOCKETS_PER_ENDPOINT, sendWebhook, WebhookConnections } from './webhook-sender.ts';
import { generateWebhookSecret, signatureHeader } from './webhook-signature.ts';
import type {
  AttemptRecord,
  ClaimedBatchDelivery,
  DeliveryWithAttempts,
  DrainTarget,
  WebhooksRepository,
} from './webhooks.repository.ts';

export interface WebhookCaller {
  userId: string;
  role: UserRole;
}

/** One stored domain event, as the fan-out consumer hands it over. */
export interface WebhookSourceEvent<K extends DomainEventName = DomainEventName> {
  id: string;
  name: K;
  payload: DomainEventPayload<K>;
  createdAt: string;
}

export interface WebhooksServiceDeps {
  webhooks: WebhooksRepository;
  jobs: Pick<JobQueue<JobDefinitionsMap>, 'enqueue'>;
  settings: WebhooksConfig;
  /** How host names are resolved for the SSRF check; the system resolver unless a test pins names. */
  resolve: ResolveHost;
  logger: Logger;
}

/** What every attempt to one endpoint needs: its address, owner and signing secrets. */
type ClaimedEndpoint = Pick<
  DrainTarget,
  'endpointId' | 'ownerId' | 'url' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'
>;

/** An attempt in a drainer's round; one handed over by its own job settles that job when logged. */
interface HandedOver {
  delivery: ClaimedBatchDelivery;
  resolve?: () => void;
  reject?: (error: unknown) => void;
}

/** An attempt sent, with what its log records. */
interface SentAttempt {
  delivery: ClaimedBatchDelivery;
  record: AttemptRecord;
}

/** A drain running in this process: attempts handed over to it, and whether it must look again. */
interface Drainer {
  /** The endpoint as last read by a job of this drain (the highest drain generation): what it sends with. */
  target: DrainTarget;
  inbox: HandedOver[];
  /** Set by a job that started after the drainer's last look for queued deliveries. */
  rescan: boolean;
}

/**
 * Attempts a drainer sends at once: twice the kept connections per endpoint (webhook-sender.ts), the
 * second half queued by the agent, so the connections stay busy while a round's slowest answer is
 * awaited.
 */
const SENDS_PER_ROUND = 2 * SOCKETS_PER_ENDPOINT;
/** Attempts a drainer takes at once, sent `SENDS_PER_ROUND` at a time. */
const CLAIMS_AHEAD = 4 * SENDS_PER_ROUND;
/** A drainer takes no new round after this long, so its job ends well within the job's time limit. */
const DRAIN_BUDGET_MS = 5_000;
/**
 * How long past due a delivery waits before the sweep (`redriveOverdue`) queues a drain for it: far
 * beyond the time its own job takes to start, so a healthy queue never sees a redrive.
 */
const OVERDUE_GRACE_SECONDS = 60;
/** Endpoints one sweep redrives at most; the next sweep takes the rest. */
const REDRIVE_ENDPOINTS = 1_000;

/** Every event type an endpoint can receive from the outbox. */
export const WEBHOOK_EVENT_TYPES = Object.keys(DOMAIN_EVENTS) as DomainEventName[];

export class WebhooksService {
  /** Kept-alive connections of this process's deliveries, per endpoint and checked address. */
  private readonly connections = new WebhookConnections();
  /** Endpoints a job of this process is draining (`deliver`). */
  private readonly draining = new Map<string, Drainer>();

  constructor(private readonly deps: WebhooksServiceDeps) {}

  // --- endpoints ----------------------------------------------------------------------------------

  async createEndpoint(
    caller: WebhookCaller,
    input: CreateWebhookEndpoint,
  ): Promise<WebhookEndpointWithSecret> {
    if (input.scope === 'instance' && caller.role !== 'admin') {
      throw forbidden('Only admins may register instance endpoints.');
    }
    await this.checkTarget(input.url);
    const secret = generateWebhookSecret();
    const row = await this.deps.webhooks.createEndpoint({
      ownerId: caller.userId,
      scope: input.scope,
      url: input.url,
      eventTypes: [...new Set(input.events)],
      description: input.description,
      secret,
    });
    return { ...endpointView(row), secret };
  }

  async listEndpoints(caller: WebhookCaller): Promise<WebhookEndpointList> {
    const rows = await this.deps.webhooks.listEndpoints(caller.userId, caller.role === 'admin');
    return { endpoints: rows.map(endpointView) };
  }

  async getEndpoint(caller: WebhookCaller, id: string): Promise<WebhookEndpoint> {
    return endpointView(await this.requireManaged(caller, id));
  }

  async updateEndpoint(
    caller: WebhookCaller,
    id: string,
    patch: UpdateWebhookEndpoint,
  ): Promise<WebhookEndpoint> {
    await this.requireManaged(caller, id);
    if (patch.url !== undefined) await this.checkTarget(patch.url);
    const row = await this.deps.webhooks.updateEndpoint(id, {
      ...(patch.url === undefined ? {} : { url: patch.url }),
      ...(patch.events === undefined ? {} : { eventTypes: [...new Set(patch.events)] }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      // Turning an endpoint on starts it afresh: no reason, no failing streak carried over.
      ...(patch.enabled === undefined
        ? {}
        : patch.enabled
          ? { enabled: true, disabledReason: null, failingSince: null }
          : { enabled: false, disabledReason: 'Disabled by its owner' }),
    });
    if (!row) throw notFound('Webhook endpoint');
    return endpointView(row);
  }

  async deleteEndpoint(caller: WebhookCaller, id: string): Promise<void> {
    await this.requireManaged(caller, id);
    await this.deps.webhooks.deleteEndpoint(id);
  }

  async rotateSecret(
    caller: WebhookCaller,
    id: string,
    input: RotateWebhookSecret,
  ): Promise<WebhookEndpointWithSecret> {
    await this.requireManaged(caller, id);
    const overlapMs =
      input.overlapSeconds === undefined ? this.deps.settings.secretOverlapMs : input.overlapSeconds * 1000;
    const secret = generateWebhookSecret();
    const row = await this.deps.webhooks.rotateSecret(id, secret, new Date(Date.now() + overlapMs));
    if (!row) throw notFound('Webhook endpoint');
    return { ...endpointView(row), secret };
  }

  // --- deliveries ---------------------------------------------------------------------------------

  /** Queues a `webhook.test` event to the endpoint, signed and logged like any other delivery. */
  async sendTest(caller: WebhookCaller, id: string): Promise<WebhookDeliveryQueued> {
    const endpoint = await this.requireManaged(caller, id);
    if (!endpoint.enabled) throw conflict('The endpoint is disabled; enable it first.');
    const eventId = crypto.randomUUID();
    const body: WebhookDeliveryBody = {
      id: eventId,
      type: WEBHOOK_TEST_EVENT,
      createdAt: new Date().toISOString(),
      data: { endpointId: endpoint.id, message: 'A test delivery from StreamHub.' },
    };
    const delivery = await this.deps.webhooks.addDelivery({
      endpointId: endpoint.id,
      eventId,
      eventType: WEBHOOK_TEST_EVENT,
      body: JSON.stringify(body),
    });
    await this.queueAttempt(delivery.id, 1, 0);
    return { deliveryId: delivery.id, eventId, eventType: WEBHOOK_TEST_EVENT };
  }

  async deliveries(
    caller: WebhookCaller,
    id: string,
    query: WebhookDeliveriesQuery,
  ): Promise<WebhookDeliveryList> {
    await this.requireManaged(caller, id);
    const rows = await this.deps.webhooks.listDeliveries(id, {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
    });
    return { deliveries: rows.map(deliveryView) };
  }

  /** Sends a delivery once more, whatever its status; the attempt is logged after the earlier ones. */
  async redeliver(caller: WebhookCaller, id: string, deliveryId: string): Promise<WebhookDeliveryQueued> {
    const endpoint = await this.requireManaged(caller, id);
    if (!endpoint.enabled) throw conflict('The endpoint is disabled; enable it first.');
    const delivery = await this.deps.webhooks.findDelivery(id, deliveryId);
    if (!delivery) throw notFound('Webhook delivery');
    if (delivery.status === 'pending') {
      throw conflict('This delivery is still being attempted; redeliver it once it succeeded or failed.');
    }
    const attempt = await this.deps.webhooks.reopenDelivery(id, deliveryId);
    if (attempt === undefined) throw notFound('Webhook delivery');
    // A job id of its own: the automatic attempt of the same number may have run (and be kept) already.
    await this.queueAttempt(deliveryId, attempt, 0, `redelivery-${crypto.randomUUID()}`);
    return { deliveryId, eventId: delivery.eventId, eventType: delivery.eventType };
  }

  /**
   * The fan-out consumer's work: one delivery per matching endpoint, then the drain job of each such
   * endpoint whose delivery of this event has not started: one job per endpoint and drain generation,
   * so a burst of events queues one job per endpoint, not one per delivery (`deliver`). Repeats
   * (retries, a second replica) find the same rows and the same job ids, so an endpoint gets one
   * delivery per event.
   */
  async fanOut(event: WebhookSourceEvent): Promise<void> {
    const [outcome] = await this.fanOutMany([event]);
    if (outcome?.status === 'rejected') throw outcome.reason;
  }

  /**
   * `fanOut` for several events (the durable consumer's batch): their channels' owners, the candidate
   * endpoints and the deliveries' insert and read each one statement for all of them. Resolves to one
   * outcome per event, in order: queueing one event's drains can fail without failing the others.
   */
  async fanOutMany(events: readonly WebhookSourceEvent[]): Promise<PromiseSettledResult<void>[]> {
    const audiences = events.map((event) => audienceOf(event.name, event.payload));
    const channelOwners = await this.deps.webhooks.channelOwners(audiences.flatMap((a) => a.channels));
    const ownersOf = audiences.map((audience) => {
      const owners = new Set(audience.users);
      for (const channel of audience.channels) {
        const owner = channelOwners.get(channel);
        if (owner) owners.add(owner);
      }
      return owners;
    });
    const endpoints = await this.deps.webhooks.matchingEndpoints(
      [...new Set(events.map((event) => event.name))],
      [...new Set(ownersOf.flatMap((owners) => [...owners]))],
    );
    const rows = events.flatMap((event, index) => {
      const owners = ownersOf[index] ?? new Set<string>();
      const body: WebhookDeliveryBody = {
        id: event.id,
        type: event.name,
        createdAt: event.createdAt,
        data: event.payload,
      };
      const raw = JSON.stringify(body);
      return endpoints
        .filter((endpoint) => endpointMatches(endpoint, event.name, owners))
        .map((endpoint) => ({
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.name,
          body: raw,
        }));
    });
    const pending = await this.deps.webhooks.addDeliveries(
      events.map((event) => event.id),
      rows,
    );
    return Promise.allSettled(
      events.map(async (event) => {
        const drains = new Map<string, { deliveryId: string; drainSeq: number }>();
        for (const { id, eventId, endpointId, drainSeq } of pending) {
          if (eventId === event.id && !drains.has(endpointId))
            drains.set(endpointId, { deliveryId: id, drainSeq });
        }
        for (const [endpointId, { deliveryId, drainSeq }] of drains) {
          await this.queueDrain(endpointId, drainSeq, deliveryId, 1);
        }
      }),
    );
  }

  /**
   * The `webhook.deliver` job: attempt `attempt` of one delivery, and a drain of its endpoint. The job
   * first bumps the endpoint's drain generation (`startDrain`): every delivery stored before that has
   * queued this job or an earlier one, every one stored after queues a job of the new generation, so
   * none waits without a job that will look for it. Then it takes its own attempt (a drain job's may
   * have been taken already). The first job of this process to find its endpoint without a drainer
   * becomes its drainer: it takes the endpoint's deliveries waiting for their first attempt
   * (`claimDue`: up to `CLAIMS_AHEAD` in one statement), sends them in rounds of `SENDS_PER_ROUND`
   * over the endpoint's kept connections and logs each round's successes in one statement, until
   * nothing is queued. A job that claimed its own attempt while the endpoint has a drainer here hands
   * it over and waits until its round is logged; one that claimed nothing asks the drainer to look
   * again. After `DRAIN_BUDGET_MS` the drainer takes nothing new, queues a job of a new generation to
   * go on, and ends once what it holds is sent. Failures are logged, retried (a job per retry) and may
   * disable the endpoint one by one, as a lone attempt's are.
   */
  async deliver(deliveryId: string, attempt: number, signal?: AbortSignal): Promise<void> {
    const target = await this.deps.webhooks.startDrain(deliveryId);
    // Deleted with its endpoint: nothing to send.
    if (!target) return;
    if (!target.enabled) {
      // Given up, with the endpoint's queued deliveries, whose jobs are this one.
      await this.deps.webhooks.abandonForDisabledEndpoint(target.endpointId, deliveryId, attempt);
      return;
    }
    const own = await this.deps.webhooks.claimAttempt(deliveryId, attempt);
    // Looked up in the same turn as the push, so the drainer cannot have ended in between.
    const active = this.draining.get(target.endpointId);
    // A later read (a rotated secret, a new URL) is what the drainer sends with from now on.
    if (active && target.drainSeq > active.target.drainSeq) active.target = target;
    if (active && own) {
      await new Promise<void>((resolve, reject) => active.inbox.push({ delivery: own, resolve, reject }));
      return;
    }
    if (active) {
      active.rescan = true;
      return;
    }
    await this.drain(target, { deliveryId, attempt }, own ? [{ delivery: own }] : [], signal);
  }

  /**
   * The drainer's loop (`deliver`) for the job of `job`, starting with `backlog` (that job's own
   * attempt, if it took it).
   */
  private async drain(
    target: DrainTarget,
    job: { deliveryId: string; attempt: number },
    backlog: HandedOver[],
    signal?: AbortSignal,
  ): Promise<void> {
    const { endpointId } = target;
    const drainer: Drainer = { target, inbox: [], rescan: false };
    this.draining.set(endpointId, drainer);
    let open = true;
    const close = () => {
      if (open) this.draining.delete(endpointId);
      open = false;
    };
    const startedAt = Date.now();
    let handOn = false;
    /** The last round's log, settling to its error if it failed (awaited before the next log starts). */
    let logging: Promise<{ error: unknown } | undefined> = Promise.resolve(undefined);
    const logged = async () => {
      const failed = await logging;
      if (failed) throw failed.error;
    };
    let inFlight: HandedOver[] = [];
    try {
      for (;;) {
        if (open && (signal?.aborted || Date.now() - startedAt >= DRAIN_BUDGET_MS)) {
          close();
          handOn = true;
        }
        if (open && backlog.length < SENDS_PER_ROUND) {
          drainer.rescan = false;
          const claimed = await this.deps.webhooks.claimDue(endpointId, CLAIMS_AHEAD - backlog.length);
          for (const taken of claimed) backlog.push({ delivery: taken });
        }
        // Handed-over attempts first: their jobs are waiting.
        const sending = drainer.inbox.splice(0, SENDS_PER_ROUND);
        sending.push(...backlog.splice(0, SENDS_PER_ROUND - sending.length));
        if (sending.length === 0) {
          await logged();
          // A job started since the last look, or handed an attempt over while the log was awaited
          // (checked in this same turn): look once more.
          if (open && (drainer.rescan || drainer.inbox.length > 0)) continue;
          close();
          break;
        }
        inFlight = sending;
        const outcomes = await this.sendRound(
          drainer.target,
          sending.map((handed) => handed.delivery),
          signal,
        );
        // The previous round's log ran while this round was sent; one log at a time.
        await logged();
        logging = this.logRound(drainer.target, outcomes).then(
          () => {
            for (const handed of sending) handed.resolve?.();
            return undefined;
          },
          (error: unknown) => {
            for (const handed of sending) handed.reject?.(error);
            return { error };
          },
        );
      }
      await logged();
    } catch (error) {
      close();
      // Taken but not sent or not logged: their leases run out (ATTEMPT_LEASE_SECONDS).
      for (const handed of [...inFlight, ...drainer.inbox.splice(0)]) handed.reject?.(error);
      throw error;
    }
    if (handOn) {
      // Whatever is still queued goes to a job of a new generation, which no one has queued yet; its own
      // attempt is this job's, done by now, so it only drains.
      const drainSeq = await this.deps.webhooks.bumpDrainSeq(endpointId);
      if (drainSeq !== undefined) await this.queueDrain(endpointId, drainSeq, job.deliveryId, job.attempt);
    }
  }

  /** Sends the claimed attempts at once; resolves to each one's outcome, never rejects. */
  private async sendRound(
    endpoint: ClaimedEndpoint,
    round: readonly ClaimedBatchDelivery[],
    signal: AbortSignal | undefined,
  ): Promise<SentAttempt[]> {
    const url = new URL(endpoint.url);
    return Promise.all(
      round.map(async (delivery) => {
        const now = Date.now();
        const secrets = [endpoint.secret];
        if (
          endpoint.previousSecret &&
          endpoint.previousSecretExpiresAt &&
          endpoint.previousSecretExpiresAt.getTime() > now
        ) {
          secrets.push(endpoint.previousSecret);
        }
        const headers = {
          [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(secrets, Math.floor(now / 1000), delivery.body),
          [WEBHOOK_EVENT_ID_HEADER]: delivery.eventId,
          [WEBHOOK_EVENT_TYPE_HEADER]: delivery.eventType,
          [WEBHOOK_DELIVERY_ID_HEADER]: delivery.deliveryId,
          [WEBHOOK_ATTEMPT_HEADER]: String(delivery.attempt),
        };
        const outcome = await sendWebhook(url, delivery.body, headers, {
          allowPrivateTargets: this.deps.settings.allowPrivateTargets,
          resolve: this.deps.resolve,
          timeoutMs: this.deps.settings.timeoutMs,
          connections: this.connections,
          ...(signal ? { signal } : {}),
        });
        const record: AttemptRecord = {
          deliveryId: delivery.deliveryId,
          endpointId: endpoint.endpointId,
          attempt: delivery.attempt,
          ...outcome,
          attemptedAt: new Date(now),
        };
        return { delivery, record };
      }),
    );
  }

  /** Logs a round's successes in one statement and each failure alone. */
  private async logRound(endpoint: ClaimedEndpoint, outcomes: readonly SentAttempt[]): Promise<void> {
    await this.deps.webhooks.recordSuccesses(
      endpoint.endpointId,
      outcomes.filter(({ record }) => record.succeeded).map(({ record }) => record),
    );
    for (const { delivery, record } of outcomes) {
      if (!record.succeeded) await this.recordFailedAttempt(endpoint, delivery, record);
    }
  }

  /** Logs a failed attempt and queues the next, or gives the delivery up (and maybe the endpoint). */
  private async recordFailedAttempt(
    endpoint: ClaimedEndpoint,
    delivery: ClaimedBatchDelivery,
    record: AttemptRecord,
  ): Promise<void> {
    const now = record.attemptedAt.getTime();
    const delayMs = this.retryDelay(record.attempt);
    const withinWindow = now + delayMs <= delivery.createdAt.getTime() + this.deps.settings.retryWindowMs;
    const lastError = record.error ?? `HTTP ${record.responseStatus}`;
    const disabledFor = await this.deps.webhooks.recordFailure(record, {
      nextAttemptAt: withinWindow ? new Date(now + delayMs) : null,
      // A delivery given up while no attempt of the endpoint has succeeded since this delivery's first
      // one: the endpoint failed everything for the whole retry window.
      ...(withinWindow
        ? {}
        : {
            disableIf: async (tx, failingSince, firstAttemptAt) => {
              if (failingSince.getTime() > firstAttemptAt.getTime()) return undefined;
              const reason = `Every delivery failed for ${formatDuration(this.deps.settings.retryWindowMs)}; last: ${lastError}`;
              await appendDomainEvent(
                tx,
                'webhook.endpoint_disabled',
                {
                  endpointId: endpoint.endpointId,
                  ownerId: endpoint.ownerId,
                  url: endpoint.url,
                  reason,
                  failingSince: failingSince.toISOString(),
                  disabledAt: new Date().toISOString(),
                },
                { aggregate: `webhook_endpoint:${endpoint.endpointId}` },
              );
              return reason;
            },
          }),
    });
    if (disabledFor !== undefined) {
      this.deps.logger.warn(
        { endpointId: endpoint.endpointId, reason: disabledFor },
        'webhook endpoint disabled',
      );
    }
    if (withinWindow) await this.queueAttempt(delivery.deliveryId, record.attempt + 1, delayMs);
  }

  /** Delay before attempt `attempt + 1`: the base doubled per attempt, capped. */
  retryDelay(attempt: number): number {
    const { retryBaseMs, retryMaxDelayMs } = this.deps.settings;
    return Math.min(retryBaseMs * 2 ** Math.min(attempt - 1, 40), retryMaxDelayMs);
  }

  /**
   * Queues a drain of a new generation for each endpoint with an overdue delivery: one whose job was
   * lost (the embedded runner keeps jobs in memory) or whose attempt was taken by a process that died
   * before logging it. Resolves to how many endpoints it queued.
   */
  async redriveOverdue(): Promise<number> {
    const overdue = await this.deps.webhooks.overdueByEndpoint(OVERDUE_GRACE_SECONDS, REDRIVE_ENDPOINTS);
    for (const { endpointId, deliveryId, attempt } of overdue) {
      const drainSeq = await this.deps.webhooks.bumpDrainSeq(endpointId);
      if (drainSeq !== undefined) await this.queueDrain(endpointId, drainSeq, deliveryId, attempt);
    }
    return overdue.length;
  }

  /** Queues the drain job of `endpointId`'s generation `drainSeq`; a no-op when it is queued already. */
  private async queueDrain(
    endpointId: string,
    drainSeq: number,
    deliveryId: string,
    attempt: number,
  ): Promise<void> {
    await this.deps.jobs.enqueue(
      'webhook.deliver',
      { deliveryId, attempt },
      { jobId: `webhook-drain-${endpointId}-${drainSeq}` },
    );
  }

  private async queueAttempt(
    deliveryId: string,
    attempt: number,
    delayMs: number,
    suffix?: string,
  ): Promise<void> {
    const jobId = `webhook-${deliveryId}-${attempt}${suffix ? `-${suffix}` : ''}`;
    await this.deps.jobs.enqueue('webhook.deliver', { deliveryId, attempt }, { jobId, delayMs });
  }

  /** The endpoint, if the caller owns it or it is an instance endpoint and the caller an admin. */
  private async requireManaged(caller: WebhookCaller, id: string): Promise<WebhookEndpointRow> {
    const endpoint = await this.deps.webhooks.findEndpoint(id);
    const managed =
      endpoint &&
      (endpoint.ownerId === caller.userId || (endpoint.scope === 'instance' && caller.role === 'admin'));
    // Someone else's endpoint is answered as missing: its existence is not the caller's business.
    if (!managed) throw notFound('Webhook endpoint');
    return endpoint;
  }

  private async checkTarget(url: string): Promise<void> {
    try {
      await allowedAddresses(new URL(url), {
        allowPrivateTargets: this.deps.settings.allowPrivateTargets,
        resolve: this.deps.resolve,
      });
    } catch (error) {
      if (!(error instanceof TargetRefusedError)) throw error;
      throw new AppError(422, 'webhook_target_forbidden', error.message, {
        errors: [{ path: 'body.url', message: error.message }],
      });
    }
  }
}

function endpointView(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    scope: row.scope,
    ownerId: row.ownerId,
    events: row.eventTypes,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: row.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function deliveryView(row: DeliveryWithAttempts): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      succeeded: attempt.succeeded,
      responseStatus: attempt.responseStatus,
      error: attempt.error,
      latencyMs: attempt.latencyMs,
      attemptedAt: attempt.attemptedAt.toISOString(),
    })),
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function formatDuration(ms: number): string {
  if (ms >= 86_400_000) return `${Math.round(ms / 86_400_000)} d`;
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Whether an enabled endpoint takes `eventType` from an event about `owners`: what
 * `WebhooksRepository.matchingEndpoints` asks of each endpoint, for one event of a batch.
 */
function endpointMatches(
  endpoint: WebhookEndpointRow,
  eventType: string,
  owners: ReadonlySet<string>,
): boolean {
  const audience = endpoint.scope === 'instance' || owners.has(endpoint.ownerId);
  return audience && (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(eventType));
}
