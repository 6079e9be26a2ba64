/**
 * Webhooks end to end over the real gateway app on PGlite and PostgreSQL: endpoints through the API,
 * events stored in the outbox and fanned out by the real consumer, `webhook.deliver` jobs running in
 * process, real receivers on 127.0.0.1 checking signatures with the code docs/webhooks.md shows.
 */
import { createHmac } from 'node:crypto';
import type { DomainEventName, DomainEvents } from '@streamhub/contracts/events';
import {
  type WebhookDelivery,
  WebhookDeliveryBodySchema,
  WebhookDeliveryListSchema,
  WebhookDeliveryQueuedSchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  type WebhookEndpointWithSecret,
  WebhookEndpointWithSecretSchema,
} from '@streamhub/contracts/webhooks';
import type { Driver } from '@streamhub/db/client';
import { webhookDeliveries } from '@streamhub/db/schema/webhooks';
import { testDatabases } from '@streamhub/db/testing';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp, type GatewayApp } from '../../app.ts';
import { appendDomainEvent } from '../../events/durable.ts';
import { createJobHandlers } from '../../jobs/handlers.ts';
import { createLogMailer } from '../../mail/log-mailer.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox, storedEvents } from '../../testing/test-outbox.ts';
import { expectJson, expectProblem, MANY_LOGINS_POLICY, send } from '../engagement/engagement-test-kit.ts';
import { loadDocumentedCheck, type VerifySignature } from './testing/documented-check.ts';
import {
  type ReceivedRequest,
  startWebhookReceiver,
  type WebhookReceiver,
} from './testing/webhook-receiver.ts';

const BASE = '/api/v1/webhooks';

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const eventIdOf = (request: ReceivedRequest) => request.headers['streamhub-event-id'];
const attemptOf = (request: ReceivedRequest) => Number(request.headers['streamhub-delivery-attempt']);
const signatureOf = (request: ReceivedRequest) =>
  request.headers['streamhub-signature'] as string | undefined;

/** A gateway with webhooks delivered in process, on its own database. */
async function startGateway(driver: Driver, env: Record<string, string>) {
  const backends = await createTestBackends(driver);
  const deps = backends.deps(
    { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_TIMEOUT_MS: '2000', RATE_LIMIT_MAX: '100000', ...env },
    {},
    { abusePolicy: MANY_LOGINS_POLICY },
  );
  const app = createApp(deps).app;
  await backends.jobs.start(
    createJobHandlers({ mailer: createLogMailer(deps.logger), webhooks: deps.services.webhooks }),
    { concurrency: 4 },
  );
  const outbox = await startTestOutbox(backends, deps);
  return { backends, deps, app, outbox };
}

describe.each(testDatabases())('webhooks on %s', (driver) => {
  let backends: TestBackends;
  let deps: ReturnType<TestBackends['deps']>;
  let app: GatewayApp;
  /** The same database with the default settings: private targets refused. */
  let strictApp: GatewayApp;
  let outbox: Outbox;
  let receiver: WebhookReceiver;
  let verify: VerifySignature;
  let alice: SignedInUser;
  let bob: SignedInUser;
  let admin: SignedInUser;
  /** Paths of the receiver that answer 503 for now. */
  const down = new Set<string>();

  beforeAll(async () => {
    verify = await loadDocumentedCheck();
    receiver = await startWebhookReceiver((request) => ({
      status: down.has(request.path.replace(/^\/hook/, '')) ? 503 : 200,
    }));
    ({ backends, deps, app, outbox } = await startGateway(driver, {
      WEBHOOKS_RETRY_BASE_MS: '50',
      WEBHOOKS_RETRY_MAX_DELAY_MS: '200',
      WEBHOOKS_RETRY_WINDOW_MS: '60000',
    }));
    strictApp = createApp(
      backends.deps({ RATE_LIMIT_MAX: '100000' }, {}, { abusePolicy: MANY_LOGINS_POLICY }),
    ).app;
    alice = await registerAndLogin(app, backends);
    bob = await registerAndLogin(app, backends);
    admin = await registerAndLogin(app, backends, { role: 'admin' });
  }, 60_000);
  afterAll(async () => {
    await outbox?.close();
    await backends?.close();
    await receiver?.close();
  });

  const create = async (user: SignedInUser, body: Record<string, unknown>) =>
    expectJson(
      await app.request(`${BASE}/endpoints`, send('POST', body, user)),
      WebhookEndpointWithSecretSchema,
      201,
    );
  const deliveriesOf = async (user: SignedInUser, endpointId: string): Promise<WebhookDelivery[]> =>
    (
      await expectJson(
        await app.request(
          `${BASE}/endpoints/${endpointId}/deliveries?limit=100`,
          send('GET', undefined, user),
        ),
        WebhookDeliveryListSchema,
      )
    ).deliveries;
  const emit = async <K extends DomainEventName>(name: K, payload: z.input<DomainEvents[K]>) =>
    backends.database.db.transaction((tx) =>
      appendDomainEvent(tx, name, payload, { aggregate: `test:${name}` }),
    );
  const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === `/hook${path}`);
  const videoReady = (ownerId: string) => ({
    videoId: crypto.randomUUID(),
    ownerId,
    channelId: null,
    title: 'A video',
    visibility: 'public' as const,
    durationMs: 1000,
    readyAt: new Date().toISOString(),
  });

  it('answers the 4xx cases with problem+json', async () => {
    const valid = { url: `${receiver.url}/4xx` };
    const anonymous = await app.request(`${BASE}/endpoints`, send('POST', valid));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    await expectProblem(
      await app.request(`${BASE}/endpoints`, send('POST', { url: 'ftp://example.com/x' }, alice)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${BASE}/endpoints`, send('POST', { ...valid, events: ['no.such_event'] }, alice)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${BASE}/endpoints`, send('POST', { url: 'https://user:pw@example.com/' }, alice)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${BASE}/endpoints`, send('POST', { ...valid, scope: 'instance' }, alice)),
      403,
      'forbidden',
    );
    const mine = await create(alice, valid);
    await expectProblem(
      await app.request(`${BASE}/endpoints/${mine.id}`, send('GET', undefined, bob)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(`${BASE}/endpoints/not-a-uuid`, send('GET', undefined, alice)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${BASE}/endpoints/${mine.id}`, send('PATCH', {}, alice)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(
        `${BASE}/endpoints/${mine.id}/rotate-secret`,
        send('POST', { overlapSeconds: 8 * 86_400 }, alice),
      ),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(
        `${BASE}/endpoints/${mine.id}/deliveries/${crypto.randomUUID()}/redeliver`,
        send('POST', undefined, alice),
      ),
      404,
      'not_found',
    );
    const off = await expectJson(
      await app.request(`${BASE}/endpoints/${mine.id}`, send('PATCH', { enabled: false }, alice)),
      WebhookEndpointSchema,
    );
    expect(off).toMatchObject({ enabled: false, disabledReason: 'Disabled by its owner' });
    await expectProblem(
      await app.request(`${BASE}/endpoints/${mine.id}/test`, send('POST', undefined, alice)),
      409,
      'conflict',
    );
    const deleted = await app.request(`${BASE}/endpoints/${mine.id}`, send('DELETE', undefined, alice));
    expect(deleted.status).toBe(204);
    await expectProblem(
      await app.request(`${BASE}/endpoints/${mine.id}`, send('DELETE', undefined, alice)),
      404,
      'not_found',
    );
  });

  it('refuses loopback and metadata targets (SSRF) when private targets are not allowed', async () => {
    for (const url of [receiver.url, 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/']) {
      const problem = await expectProblem(
        await strictApp.request(`${BASE}/endpoints`, send('POST', { url }, alice)),
        422,
        'webhook_target_forbidden',
      );
      expect(problem.errors?.[0]?.path).toBe('body.url');
    }
    const mine = await create(alice, { url: `${receiver.url}/ssrf` });
    await expectProblem(
      await strictApp.request(
        `${BASE}/endpoints/${mine.id}`,
        send('PATCH', { url: 'http://10.0.0.1/hook' }, alice),
      ),
      422,
      'webhook_target_forbidden',
    );
  });

  it('signs a test delivery so that the documented check accepts it and catches forgeries', async () => {
    const endpoint = await create(alice, { url: `${receiver.url}/signed`, description: 'signed' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const queued = await expectJson(
      await app.request(`${BASE}/endpoints/${endpoint.id}/test`, send('POST', undefined, alice)),
      WebhookDeliveryQueuedSchema,
      202,
    );
    await until(() => requestsTo('/signed').length === 1, 'the test delivery');
    const [request] = requestsTo('/signed');
    if (!request) throw new Error('no request');
    const body = WebhookDeliveryBodySchema.parse(JSON.parse(request.raw));
    expect(body).toMatchObject({
      id: queued.eventId,
      type: 'webhook.test',
      data: { endpointId: endpoint.id },
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(eventIdOf(request)).toBe(queued.eventId);
    expect(request.headers['streamhub-event-type']).toBe('webhook.test');
    expect(request.headers['streamhub-delivery-id']).toBe(queued.deliveryId);
    expect(attemptOf(request)).toBe(1);

    const header = signatureOf(request);
    expect(verify(request.raw, header, endpoint.secret)).toBe(true);
    // Forgeries: a changed body, another secret, a header signed by someone without the secret, a replay.
    expect(verify(request.raw.replace('test delivery', 'forged delivery'), header, endpoint.secret)).toBe(
      false,
    );
    expect(verify(request.raw, header, 'whsec_someone-else')).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    const forged = `t=${now},v1=${createHmac('sha256', 'whsec_guess').update(`${now}.${request.raw}`).digest('hex')}`;
    expect(verify(request.raw, forged, endpoint.secret)).toBe(false);
    const old = now - 3600;
    const replayed = `t=${old},v1=${createHmac('sha256', endpoint.secret).update(`${old}.${request.raw}`).digest('hex')}`;
    expect(verify(request.raw, replayed, endpoint.secret)).toBe(false);
    expect(verify(request.raw, undefined, endpoint.secret)).toBe(false);

    await until(async () => (await deliveriesOf(alice, endpoint.id))[0]?.status === 'succeeded', 'the log');
    const [logged] = await deliveriesOf(alice, endpoint.id);
    expect(logged).toMatchObject({ id: queued.deliveryId, eventType: 'webhook.test', status: 'succeeded' });
    expect(logged?.attempts).toEqual([
      expect.objectContaining({ attempt: 1, succeeded: true, responseStatus: 200, error: null }),
    ]);

    // Manual redelivery: the same event again, as attempt 2.
    await expectJson(
      await app.request(
        `${BASE}/endpoints/${endpoint.id}/deliveries/${queued.deliveryId}/redeliver`,
        send('POST', undefined, alice),
      ),
      WebhookDeliveryQueuedSchema,
      202,
    );
    await until(() => requestsTo('/signed').length === 2, 'the redelivery');
    const again = requestsTo('/signed')[1];
    expect(again && eventIdOf(again)).toBe(queued.eventId);
    expect(again && attemptOf(again)).toBe(2);
    expect(again?.raw).toBe(request.raw);
    expect(again && verify(again.raw, signatureOf(again), endpoint.secret)).toBe(true);
  });

  it('delivers each event to the endpoints that may see it: the owner, the subscribed types, instance endpoints', async () => {
    // Users of their own: alice's and bob's other endpoints take every event too.
    const alice = await registerAndLogin(app, backends);
    const bob = await registerAndLogin(app, backends);
    const aliceAll = await create(alice, { url: `${receiver.url}/alice` });
    const aliceLive = await create(alice, { url: `${receiver.url}/alice-live`, events: ['stream.started'] });
    const bobAll = await create(bob, { url: `${receiver.url}/bob` });
    const instance = await create(admin, { url: `${receiver.url}/instance`, scope: 'instance' });
    // An admin lists their own and every instance endpoint; a user only their own.
    const adminList = await expectJson(
      await app.request(`${BASE}/endpoints`, send('GET', undefined, admin)),
      WebhookEndpointListSchema,
    );
    expect(adminList.endpoints.map((e) => e.id)).toContain(instance.id);
    const bobList = await expectJson(
      await app.request(`${BASE}/endpoints`, send('GET', undefined, bob)),
      WebhookEndpointListSchema,
    );
    expect(bobList.endpoints.map((e) => e.id)).toEqual([bobAll.id]);

    const video = await emit('video.ready', videoReady(alice.account.id));
    const tip = await emit('tip.received', {
      paymentId: crypto.randomUUID(),
      channelId: crypto.randomUUID(),
      creatorId: bob.account.id,
      payerId: alice.account.id,
      amount: 500,
      currency: 'usd',
      platformFee: 50,
      creatorAmount: 450,
      message: null,
      provider: 'stripe',
      entryId: crypto.randomUUID(),
      receivedAt: new Date().toISOString(),
    });
    const internal = await emit('payment.webhook_received', {
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'x',
    });

    const endpointsOf = async (eventId: string) =>
      (
        await backends.database.db
          .select({ endpointId: webhookDeliveries.endpointId })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.eventId, eventId))
      )
        .map((row) => row.endpointId)
        .sort();
    await until(async () => (await endpointsOf(internal)).length > 0, 'the fan-out of the last event');
    await until(async () => (await endpointsOf(video)).length > 0, 'the fan-out of video.ready');
    await until(async () => (await endpointsOf(tip)).length > 0, 'the fan-out of tip.received');
    expect(await endpointsOf(video)).toEqual([aliceAll.id, instance.id].sort());
    expect(await endpointsOf(tip)).toEqual([aliceAll.id, bobAll.id, instance.id].sort());
    expect(await endpointsOf(internal)).toEqual([instance.id]);
    expect(aliceLive.events).toEqual(['stream.started']);

    // Only the events emitted here: each account's sign-in (`user.signed_in`, its owner's event) may reach
    // its endpoints too, when the relay publishes it after they were created.
    const emitted = new Set([video, tip, internal]);
    const deliveredHere = (path: string) =>
      requestsTo(path).filter((request) => emitted.has(String(eventIdOf(request))));
    await until(
      () => deliveredHere('/bob').length === 1 && deliveredHere('/alice').length === 2,
      'the deliveries',
    );
    const bobRequest = deliveredHere('/bob')[0];
    expect(bobRequest && eventIdOf(bobRequest)).toBe(tip);
    expect(bobRequest && verify(bobRequest.raw, signatureOf(bobRequest), bobAll.secret)).toBe(true);
    expect(deliveredHere('/alice').map(eventIdOf).sort()).toEqual([video, tip].sort());
    await until(
      () => [video, tip, internal].every((id) => requestsTo('/instance').some((r) => eventIdOf(r) === id)),
      'the instance deliveries',
    );
    expect(requestsTo('/alice-live')).toEqual([]);
  });

  it('delivers every event to an endpoint that was down for a while, attempts in order, once it is back', async () => {
    down.add('/flaky');
    const endpoint = await create(alice, { url: `${receiver.url}/flaky`, events: ['video.ready'] });
    const events = [];
    for (let i = 0; i < 3; i += 1) events.push(await emit('video.ready', videoReady(alice.account.id)));
    await until(async () => {
      const log = await deliveriesOf(alice, endpoint.id);
      return log.length === 3 && log.every((delivery) => delivery.attempts.length >= 3);
    }, 'three failed attempts of each delivery');
    down.delete('/flaky');
    await until(async () => {
      const log = await deliveriesOf(alice, endpoint.id);
      return log.length === 3 && log.every((delivery) => delivery.status === 'succeeded');
    }, 'every delivery to succeed');

    const log = await deliveriesOf(alice, endpoint.id);
    expect(log.map((delivery) => delivery.eventId).sort()).toEqual([...events].sort());
    for (const eventId of events) {
      const received = requestsTo('/flaky').filter((request) => eventIdOf(request) === eventId);
      // Every attempt reached the receiver, numbered 1, 2, 3, … in the order they arrived, each signed.
      expect(received.map(attemptOf)).toEqual(received.map((_, index) => index + 1));
      for (const request of received)
        expect(verify(request.raw, signatureOf(request), endpoint.secret)).toBe(true);
      expect(new Set(received.map((request) => request.raw)).size).toBe(1);
      const delivery = log.find((entry) => entry.eventId === eventId);
      const attempts = delivery?.attempts ?? [];
      expect(attempts.map((attempt) => attempt.attempt)).toEqual(received.map(attemptOf));
      expect(attempts.slice(0, -1).every((a) => !a.succeeded && a.responseStatus === 503)).toBe(true);
      expect(attempts.at(-1)).toMatchObject({ succeeded: true, responseStatus: 200 });
      expect(delivery?.nextAttemptAt).toBeNull();
    }
  });

  it('fans out a batch of tips in one call: one delivery per tip and endpoint that may see it, none twice on a repeat', async () => {
    const carol = await registerAndLogin(app, backends);
    const dave = await registerAndLogin(app, backends);
    const carolTips = await create(carol, { url: `${receiver.url}/carol-tips`, events: ['tip.received'] });
    const daveVideos = await create(dave, { url: `${receiver.url}/dave-videos`, events: ['video.ready'] });
    const tipTo = (creatorId: string) => ({
      id: crypto.randomUUID(),
      name: 'tip.received' as const,
      createdAt: new Date().toISOString(),
      payload: {
        paymentId: crypto.randomUUID(),
        channelId: crypto.randomUUID(),
        creatorId,
        payerId: null,
        amount: 500,
        currency: 'usd',
        platformFee: 50,
        creatorAmount: 450,
        message: null,
        provider: 'stripe' as const,
        entryId: crypto.randomUUID(),
        receivedAt: new Date().toISOString(),
      },
    });
    const tips = [tipTo(carol.account.id), tipTo(dave.account.id), tipTo(carol.account.id)];
    const outcomes = await deps.services.webhooks.fanOutMany(tips);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    // A repeat of the batch (a redelivered job of each) and of one tip alone add nothing.
    await deps.services.webhooks.fanOutMany(tips);
    await deps.services.webhooks.fanOut(tips[0] as (typeof tips)[number]);

    const rows = await backends.database.db
      .select({ eventId: webhookDeliveries.eventId, endpointId: webhookDeliveries.endpointId })
      .from(webhookDeliveries)
      .where(
        inArray(
          webhookDeliveries.eventId,
          tips.map((tip) => tip.id),
        ),
      );
    const endpointsOf = (eventId: string) =>
      rows
        .filter((row) => row.eventId === eventId)
        .map((row) => row.endpointId)
        .filter((id) => id === carolTips.id || id === daveVideos.id);
    // Carol's endpoint takes her two tips; Dave's takes none (it wants videos only).
    expect(endpointsOf(tips[0]?.id ?? '')).toEqual([carolTips.id]);
    expect(endpointsOf(tips[1]?.id ?? '')).toEqual([]);
    expect(endpointsOf(tips[2]?.id ?? '')).toEqual([carolTips.id]);
    // The instance endpoints of earlier tests take each tip once too: no (endpoint, event) twice.
    expect(new Set(rows.map((row) => `${row.eventId}/${row.endpointId}`)).size).toBe(rows.length);
    await until(
      () =>
        requestsTo('/carol-tips').filter((request) => tips.some((tip) => tip.id === eventIdOf(request)))
          .length === 2,
      "the two tips at carol's endpoint",
    );
  });

  it('redrives a delivery whose job was lost with the process that had taken its attempt', async () => {
    const endpoint = await create(alice, { url: `${receiver.url}/lost`, events: ['video.ready'] });
    const body = JSON.stringify({
      id: crypto.randomUUID(),
      type: 'video.ready',
      createdAt: new Date().toISOString(),
      data: videoReady(alice.account.id),
    });
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // As a process leaves it when it dies after taking attempt 1 and before logging it: the lease
    // has run out, and no job of any queue will take it again.
    const [lost] = await backends.database.db
      .insert(webhookDeliveries)
      .values({
        endpointId: endpoint.id,
        eventId: JSON.parse(body).id,
        eventType: 'video.ready',
        body,
        attempts: 1,
        nextAttemptAt: ago(1.5),
        createdAt: ago(20),
      })
      .returning();
    // And one just stored, whose own job is on its way: not the sweep's.
    const [fresh] = await backends.database.db
      .insert(webhookDeliveries)
      .values({ endpointId: endpoint.id, eventId: crypto.randomUUID(), eventType: 'video.ready', body })
      .returning();
    const stateOf = async (id: string | undefined) =>
      (
        await backends.database.db
          .select({ status: webhookDeliveries.status, attempts: webhookDeliveries.attempts })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.id, id ?? ''))
      )[0];
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo('/lost')).toEqual([]);

    expect(await deps.services.webhooks.redriveOverdue()).toBeGreaterThanOrEqual(1);
    await until(
      async () => (await stateOf(lost?.id))?.status === 'succeeded',
      'the lost delivery to succeed',
    );
    const received = requestsTo('/lost').filter(
      (request) => request.headers['streamhub-delivery-id'] === lost?.id,
    );
    expect(received.map(attemptOf)).toEqual([2]);
    expect(verify(received[0]?.raw ?? '', signatureOf(received[0] as ReceivedRequest), endpoint.secret)).toBe(
      true,
    );
    // The drain took every due delivery of the endpoint, the fresh one too, each once.
    expect(await stateOf(fresh?.id)).toEqual({ status: 'succeeded', attempts: 1 });
    expect(await deps.services.webhooks.redriveOverdue()).toBe(0);
  });

  it('sends a burst of deliveries to one endpoint once each, whichever job takes them in its batch', async () => {
    const endpoint = await create(bob, { url: `${receiver.url}/burst`, events: ['video.ready'] });
    const events = await Promise.all(
      Array.from({ length: 60 }, () => emit('video.ready', videoReady(bob.account.id))),
    );
    await until(async () => {
      const log = await deliveriesOf(bob, endpoint.id);
      return log.length === 60 && log.every((delivery) => delivery.status === 'succeeded');
    }, 'every delivery of the burst to succeed');
    const received = requestsTo('/burst');
    // Each event arrived, signed; no attempt of a delivery was sent twice (a batch and a job both taking
    // it would send the same attempt number twice).
    expect([...new Set(received.map(eventIdOf))].sort()).toEqual([...events].sort());
    for (const request of received)
      expect(verify(request.raw, signatureOf(request), endpoint.secret)).toBe(true);
    const sent = received.map(
      (request) => `${request.headers['streamhub-delivery-id']}:${attemptOf(request)}`,
    );
    expect(new Set(sent).size).toBe(sent.length);
    // Each delivery logged its attempts 1, 2, … (more than one only where an attempt timed out on this
    // loaded machine), the last one a success that reached the receiver.
    for (const delivery of await deliveriesOf(bob, endpoint.id)) {
      const attempts = delivery.attempts.map((attempt) => attempt.attempt);
      expect(attempts).toEqual(attempts.map((_, index) => index + 1));
      expect(delivery.attempts.filter((attempt) => attempt.succeeded)).toHaveLength(1);
      expect(delivery.attempts.at(-1)).toMatchObject({ succeeded: true, responseStatus: 200 });
      expect(sent).toContain(`${delivery.id}:${attempts.length}`);
    }
  });

  it('signs with both secrets while a rotation overlaps, and with the new one after', async () => {
    const endpoint = await create(alice, { url: `${receiver.url}/rotated` });
    const rotate = async (overlapSeconds: number): Promise<WebhookEndpointWithSecret> =>
      expectJson(
        await app.request(
          `${BASE}/endpoints/${endpoint.id}/rotate-secret`,
          send('POST', { overlapSeconds }, alice),
        ),
        WebhookEndpointWithSecretSchema,
      );
    const testDelivery = async (count: number) => {
      await expectJson(
        await app.request(`${BASE}/endpoints/${endpoint.id}/test`, send('POST', undefined, alice)),
        WebhookDeliveryQueuedSchema,
        202,
      );
      await until(() => requestsTo('/rotated').length === count, `delivery ${count}`);
      const request = requestsTo('/rotated')[count - 1];
      if (!request) throw new Error('no request');
      return request;
    };

    const second = await rotate(3600);
    expect(second.secret).not.toBe(endpoint.secret);
    expect(second.previousSecretExpiresAt).not.toBeNull();
    const overlapping = await testDelivery(1);
    expect(signatureOf(overlapping)?.match(/v1=/g)).toHaveLength(2);
    expect(verify(overlapping.raw, signatureOf(overlapping), second.secret)).toBe(true);
    expect(verify(overlapping.raw, signatureOf(overlapping), endpoint.secret)).toBe(true);

    const third = await rotate(0);
    const after = await testDelivery(2);
    expect(signatureOf(after)?.match(/v1=/g)).toHaveLength(1);
    expect(verify(after.raw, signatureOf(after), third.secret)).toBe(true);
    expect(verify(after.raw, signatureOf(after), second.secret)).toBe(false);
  });
});

describe.each(testDatabases())('an endpoint failing for the whole retry window on %s', (driver) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(() => ({ status: 500 }));
    gateway = await startGateway(driver, {
      WEBHOOKS_RETRY_BASE_MS: '50',
      WEBHOOKS_RETRY_MAX_DELAY_MS: '200',
      WEBHOOKS_RETRY_WINDOW_MS: '1000',
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.outbox.close();
    await gateway?.backends.close();
    await receiver?.close();
  });

  it('is disabled, with webhook.endpoint_disabled stored for its owner, and gets nothing more', async () => {
    const { app, backends } = gateway;
    const owner = await registerAndLogin(app, backends);
    const endpoint = await expectJson(
      await app.request(`${BASE}/endpoints`, send('POST', { url: receiver.url }, owner)),
      WebhookEndpointWithSecretSchema,
      201,
    );
    const queued = await expectJson(
      await app.request(`${BASE}/endpoints/${endpoint.id}/test`, send('POST', undefined, owner)),
      WebhookDeliveryQueuedSchema,
      202,
    );
    await until(
      async () => (await storedEvents(backends.database.db, 'webhook.endpoint_disabled')).length === 1,
      'webhook.endpoint_disabled',
    );
    const [disabled] = await storedEvents(backends.database.db, 'webhook.endpoint_disabled');
    expect(disabled).toMatchObject({ endpointId: endpoint.id, ownerId: owner.account.id, url: receiver.url });
    expect(disabled?.reason).toMatch(/HTTP 500/);

    const now = await expectJson(
      await app.request(`${BASE}/endpoints/${endpoint.id}`, send('GET', undefined, owner)),
      WebhookEndpointSchema,
    );
    expect(now.enabled).toBe(false);
    expect(now.disabledReason).toBe(disabled?.reason);
    // The owner's other delivery (their `user.registered`, fanned out after the endpoint existed) is
    // given up at its next attempt, without one.
    const log = async () =>
      (
        await expectJson(
          await app.request(`${BASE}/endpoints/${endpoint.id}/deliveries`, send('GET', undefined, owner)),
          WebhookDeliveryListSchema,
        )
      ).deliveries;
    await until(
      async () => (await log()).every((delivery) => delivery.status === 'failed'),
      'every delivery given up',
    );
    const test = (await log()).find((delivery) => delivery.id === queued.deliveryId);
    expect(test?.status).toBe('failed');
    expect(test?.attempts.length).toBeGreaterThan(1);
    expect(test?.attempts.every((attempt) => attempt.responseStatus === 500)).toBe(true);

    // A later event of the owner finds no enabled endpoint: no delivery is made.
    const later = await backends.database.db.transaction((tx) =>
      appendDomainEvent(
        tx,
        'video.failed',
        { videoId: crypto.randomUUID(), ownerId: owner.account.id, reason: 'x' },
        { aggregate: 'test:later' },
      ),
    );
    await until(
      async () => (await storedEvents(backends.database.db, 'video.failed')).length === 1,
      'the later event',
    );
    const attemptsBefore = receiver.requests.length;
    const rows = await backends.database.db
      .select()
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.eventId, [later]));
    expect(rows).toEqual([]);
    expect(receiver.requests.length).toBe(attemptsBefore);
  });
});
