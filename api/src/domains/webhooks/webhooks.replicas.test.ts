/**
 * Two gateway replicas on one PostgreSQL database and one Redis: the outbox relays and consumers of
 * both, and both replicas' `webhook.deliver` workers on BullMQ. Events handled by both (the relay's
 * jobs, plus the fan-out run again on each replica as a redelivered consumer job would) reach each
 * endpoint once.
 */
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import { WebhookEndpointWithSecretSchema } from '@streamhub/contracts/webhooks';
import { webhookDeliveries } from '@streamhub/db/schema/webhooks';
import { createBullMqJobQueue } from '@streamhub/infra/jobs/bullmq';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { appendDomainEvent } from '../../events/durable.ts';
import { createJobHandlers } from '../../jobs/handlers.ts';
import { createLogMailer } from '../../mail/log-mailer.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import { expectJson, MANY_LOGINS_POLICY, send } from '../engagement/engagement-test-kit.ts';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver.ts';

const prefix = randomTestPrefix('webhooks');

interface Replica {
  deps: GatewayDeps;
  jobs: JobQueue<JobDefinitionsMap>;
  outbox: Outbox;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('webhooks on two replicas (PostgreSQL, Redis)', () => {
  let backends: TestBackends;
  let receiver: WebhookReceiver;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    backends = await createTestBackends('postgres');
    for (let i = 0; i < 2; i += 1) {
      const jobs = await createBullMqJobQueue(JOB_DEFINITIONS, { url: TEST_REDIS_URL, prefix });
      const deps = backends.deps(
        {
          REDIS_URL: TEST_REDIS_URL,
          REDIS_PREFIX: prefix,
          WEBHOOKS_ALLOW_PRIVATE: 'true',
          WEBHOOKS_RETRY_BASE_MS: '100',
        },
        {},
        { jobs, abusePolicy: MANY_LOGINS_POLICY },
      );
      await jobs.start(
        createJobHandlers({ mailer: createLogMailer(deps.logger), webhooks: deps.services.webhooks }),
        { concurrency: 4 },
      );
      const outbox = await startTestOutbox(backends, deps);
      replicas.push({ deps, jobs, outbox });
    }
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) {
      await replica.outbox.close();
      await replica.jobs.close();
    }
    await backends?.close();
    await receiver?.close();
    await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
  });

  it('gives one delivery per endpoint for events handled on both replicas', async () => {
    const [first, second] = replicas;
    if (!first || !second) throw new Error('replicas not started');
    const app = createApp(first.deps).app;
    const owner = await registerAndLogin(app, backends);
    const endpoints = [];
    for (const path of ['/one', '/two']) {
      endpoints.push(
        await expectJson(
          await app.request(
            '/api/v1/webhooks/endpoints',
            send('POST', { url: `${receiver.url}${path}`, events: ['video.failed'] }, owner),
          ),
          WebhookEndpointWithSecretSchema,
          201,
        ),
      );
    }

    const eventIds: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const payload = { videoId: crypto.randomUUID(), ownerId: owner.account.id, reason: `run ${i}` };
      const createdAt = new Date().toISOString();
      const id = await backends.database.db.transaction((tx) =>
        appendDomainEvent(tx, 'video.failed', payload, { aggregate: `video:${payload.videoId}` }),
      );
      eventIds.push(id);
      // The same event handled again on each replica, at once, as a consumer job delivered twice is.
      const event = { id, name: 'video.failed' as const, payload, createdAt };
      await Promise.all([first, second].map((replica) => replica.deps.services.webhooks.fanOut(event)));
    }

    const delivered = async () => {
      const rows = await backends.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(webhookDeliveries)
        .where(
          sql`${inArray(webhookDeliveries.eventId, eventIds)} and ${webhookDeliveries.status} = 'succeeded'`,
        );
      return rows[0]?.n ?? 0;
    };
    await until(async () => (await delivered()) === eventIds.length * endpoints.length, 'every delivery');

    const rows = await backends.database.db
      .select({ endpointId: webhookDeliveries.endpointId, attempts: webhookDeliveries.attempts })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.eventId, eventIds));
    expect(rows).toHaveLength(eventIds.length * endpoints.length);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    for (const path of ['/one', '/two']) {
      const received = receiver.requests
        .filter((request) => request.path === `/hook${path}`)
        .map((request) => request.headers['streamhub-event-id']);
      expect([...received].sort()).toEqual([...eventIds].sort());
    }
  });
});
