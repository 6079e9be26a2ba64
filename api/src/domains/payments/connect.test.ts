/**
 * Stripe Connect onboarding and payouts end to end on PGlite and PostgreSQL: the official Stripe SDK
 * against the local Stripe server (Accounts, Account Links), `account.updated` and `payout.*` signed
 * with the Connect endpoint's secret, the outbox and the payments consumer in-process, the books read
 * back through the API.
 */
import {
  ConnectStatusSchema,
  LedgerLinePageSchema,
  OnboardingStartedSchema,
  PayoutPageSchema,
  SubscriptionCheckoutSchema,
  TierSchema,
  TipCheckoutSchema,
} from '@streamhub/contracts/payments';
import { testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { LedgerRepository } from './ledger.repository.ts';
import { type PaymentsTestbed, startPaymentsTestbed } from './testing/payments-test-kit.ts';
import type { StripeEvent } from './testing/stripe-api-server.ts';

describe.each(testDatabases())('Stripe Connect on %s', (driver) => {
  let bed: PaymentsTestbed;

  beforeAll(async () => {
    bed = await startPaymentsTestbed(driver, { PAYMENTS_PLATFORM_FEE_BPS: '1000' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  /** Delivers a connected account's event as Stripe does: signed with the Connect endpoint's secret. */
  const handled = async (event: StripeEvent) => {
    const raw = JSON.stringify(event);
    const signature = await bed.stripe.sign(raw, { secret: bed.stripe.connectWebhookSecret });
    expect((await bed.deliver(raw, signature)).status).toBe(200);
    await bed.processed(event.id);
    return (await bed.payments.findEvent('stripe', event.id))?.outcome;
  };
  const call = (method: string, path: string, user: SignedInUser) =>
    bed.app.request(`/api/v1/payments${path}`, send(method, undefined, user));
  const status = async (user: SignedInUser) =>
    expectJson(await call('GET', '/connect', user), ConnectStatusSchema);
  const onboard = async (user: SignedInUser) =>
    expectJson(await call('POST', '/connect/onboarding', user), OnboardingStartedSchema, 201);
  /** Starts a tip and returns what the local Stripe was asked for its PaymentIntent. */
  const tipTo = async (slug: string, amount = 1000) => {
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel: slug, amount, currency: 'usd' }, viewer),
      ),
      TipCheckoutSchema,
      201,
    );
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.client_reference_id === checkout.paymentId,
    );
    if (!session) throw new Error('no checkout session');
    return session;
  };

  /** Starts a subscription to the channel's tier and returns what the local Stripe was asked. */
  const subscribeTo = async (slug: string, tier: string) => {
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await expectJson(
      await bed.app.request('/api/v1/payments/subscriptions', send('POST', { channel: slug, tier }, viewer)),
      SubscriptionCheckoutSchema,
      201,
    );
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.metadata.subscription_id === checkout.subscriptionId,
    );
    if (!session) throw new Error('no subscription checkout session');
    return session;
  };

  it('onboards a creator to an Express account and routes tips and subscriptions to it only once it can take charges', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tiers',
        send('POST', { name: 'Fan', price: 500, currency: 'usd' }, channel.owner),
      ),
      TierSchema,
      201,
    );
    expect(await status(channel.owner)).toMatchObject({ state: 'none', accountId: null });

    const first = await onboard(channel.owner);
    const account = bed.stripe.accounts.get(first.accountId);
    expect(account).toMatchObject({ type: 'express', charges_enabled: false });
    expect(account?.capabilities).toEqual({ card_payments: 'inactive', transfers: 'inactive' });
    const link = bed.stripe.accountLinks.at(-1);
    expect(link).toMatchObject({ account: first.accountId, type: 'account_onboarding', url: first.url });
    expect(link?.return_url).toMatch(/\/studio\/earnings\?connect=return$/);
    expect(link?.refresh_url).toMatch(/\/studio\/earnings\?connect=refresh$/);
    const created = bed.stripe.requests.filter((r) => r.path === '/v1/accounts' && r.method === 'POST');
    expect(created.at(-1)?.idempotencyKey).toBeTruthy();

    // A second click (the link expired): the same account, a new link.
    const again = await onboard(channel.owner);
    expect(again.accountId).toBe(first.accountId);
    expect(again.url).not.toBe(first.url);
    expect(await status(channel.owner)).toMatchObject({ state: 'pending', accountId: first.accountId });

    // Onboarding unfinished: the tip is the platform's charge, no transfer to an account that cannot take it.
    const before = await tipTo(channel.slug);
    expect(before.payment_intent_data).not.toHaveProperty('transfer_data');
    expect((await subscribeTo(channel.slug, tier.id)).subscription_data).not.toHaveProperty('transfer_data');

    const older = bed.stripe.finishOnboarding(first.accountId, { payouts: false });
    const enabled = bed.stripe.finishOnboarding(first.accountId);
    expect(await handled(enabled)).toBe('account_enabled');
    expect(await status(channel.owner)).toEqual({
      provider: 'stripe',
      accountId: first.accountId,
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
      state: 'enabled',
    });
    // An earlier report delivered late changes nothing.
    expect(await handled({ ...older, created: enabled.created - 60 })).toBe(
      'ignored: an older report of the account',
    );
    expect((await status(channel.owner)).payoutsEnabled).toBe(true);

    const after = await tipTo(channel.slug, 2000);
    expect(after.payment_intent_data).toMatchObject({
      application_fee_amount: '200',
      transfer_data: { destination: first.accountId },
    });
    expect((await subscribeTo(channel.slug, tier.id)).subscription_data).toMatchObject({
      application_fee_percent: '10',
      transfer_data: { destination: first.accountId },
    });
  });

  it('reads the account back from Stripe when the creator returns before the webhook', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    expect(
      await expectJson(await call('POST', '/connect/refresh', channel.owner), ConnectStatusSchema),
    ).toMatchObject({ state: 'none' });
    const { accountId } = await onboard(channel.owner);
    bed.stripe.finishOnboarding(accountId); // its event is never delivered
    expect(
      await expectJson(await call('POST', '/connect/refresh', channel.owner), ConnectStatusSchema),
    ).toMatchObject({ state: 'enabled', chargesEnabled: true, accountId });
    expect((await status(channel.owner)).state).toBe('enabled');
  });

  it('books a payout as creator payable → clearing, reverses it when it fails, and lists it paged and as CSV', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const { accountId } = await onboard(channel.owner);
    await handled(bed.stripe.finishOnboarding(accountId));
    const session = await tipTo(channel.slug, 1000);
    const paid = bed.stripe.complete(session.id);
    expect((await bed.deliver(JSON.stringify(paid))).status).toBe(200);
    await bed.processed(paid.id);
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 900, lines: 1 },
    ]);

    const payout = bed.stripe.payout(accountId, 900, 'usd');
    expect(await handled(payout)).toBe('payout_booked');
    expect(await handled({ ...payout, id: `${payout.id}_retry` })).toBe('ignored: payout already paid');
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 2 }]);
    const lines = await expectJson(await call('GET', '/ledger', channel.owner), LedgerLinePageSchema);
    expect(lines.items[0]).toMatchObject({ kind: 'payout', amount: -900, balanceAfter: 0 });

    // The bank returned it: the money is owed again.
    expect(await handled(bed.stripe.failPayout(payout))).toBe('payout_reversed');
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 900, lines: 3 },
    ]);

    // A payout whose failure arrives before (or without) its `payout.paid`: nothing moves either way.
    const second = bed.stripe.payout(accountId, 900, 'usd');
    expect(await handled(bed.stripe.failPayout(second))).toBe('payout_failed');
    expect(await handled(second)).toBe('ignored: payout already failed');
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 900, lines: 3 },
    ]);

    const firstPage = await expectJson(
      await call('GET', '/payouts?limit=1', channel.owner),
      PayoutPageSchema,
    );
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.items[0]).toMatchObject({
      payoutId: second.data.object.id,
      status: 'failed',
      entryId: null,
    });
    const rest = await expectJson(
      await call('GET', `/payouts?limit=1&cursor=${firstPage.nextCursor}`, channel.owner),
      PayoutPageSchema,
    );
    expect(rest.nextCursor).toBeNull();
    expect(rest.items[0]).toMatchObject({ payoutId: payout.data.object.id, status: 'failed', amount: 900 });
    expect(rest.items[0]?.entryId).toBeTruthy();
    expect(rest.items[0]?.reversalEntryId).toBeTruthy();

    const csv = await call('GET', '/payouts/export', channel.owner);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe(
      'created_at,payout_id,provider,provider_payout_id,status,currency,amount_minor,arrival_date,entry_id,reversal_entry_id',
    );
    expect(rows.slice(1).map((row) => row.split(',').slice(3, 7))).toEqual([
      [String(second.data.object.id), 'failed', 'usd', '900'],
      [String(payout.data.object.id), 'failed', 'usd', '900'],
    ]);

    const ledger = new LedgerRepository(bed.backends.database.db);
    expect(await ledger.drift()).toEqual([]);
    expect(await ledger.unbalancedEntries()).toEqual([]);

    // Reconciliation: every payout and subscription invoice matches the ledger, until one is planted.
    const third = bed.stripe.payout(accountId, 900, 'usd');
    expect(await handled(third)).toBe('payout_booked');
    const mine = async () =>
      (await bed.deps.services.reconciliation.reconcile({ limit: 1000 })).differences.filter(
        (difference) =>
          [payout, second, third].some((event) => difference.detail.includes(String(event.data.object.id))) ||
          difference.paymentId === planted,
      );
    const planted = crypto.randomUUID();
    expect(await mine()).toEqual([]);
    const db = bed.backends.database.db;
    await db.execute(
      sql`update payments.payouts set amount = 950 where payout_id = ${String(third.data.object.id)}`,
    );
    await db.execute(
      sql`update payments.payouts set reversal_entry_id = null where payout_id = ${String(payout.data.object.id)}`,
    );
    await db.execute(sql`
      insert into payments.payments (id, kind, provider, status, channel_id, creator_id, amount, currency,
                                     platform_fee, invoice_id)
      values (${planted}::uuid, 'subscription', 'stripe', 'succeeded', ${channel.channelId}::uuid,
              ${channel.owner.account.id}::uuid, 499, 'usd', 49, ${`in_planted_${planted}`})`);
    const found = await mine();
    expect(found.map((difference) => difference.kind).sort()).toEqual([
      'invoice_not_booked',
      'payout_amount_differs',
      'payout_not_reversed',
    ]);
    expect(found.find((difference) => difference.kind === 'payout_amount_differs')?.detail).toMatch(
      /of 950 usd \(paid\); the ledger booked 900/,
    );
    expect(found.find((difference) => difference.kind === 'invoice_not_booked')).toMatchObject({
      paymentId: planted,
      provider: 'stripe',
    });

    // Against Stripe's API: a payout of the account whose payout.paid never arrived is listed there only.
    const lost = bed.stripe.payout(accountId, 700, 'usd');
    const lostId = String(lost.data.object.id);
    expect(
      (await bed.deps.services.reconciliation.reconcile({ limit: 1000 })).differences.filter((difference) =>
        difference.detail.includes(lostId),
      ),
    ).toEqual([
      {
        kind: 'payout_not_recorded',
        provider: 'stripe',
        paymentId: null,
        eventId: null,
        detail: `stripe lists payout ${lostId} of account ${accountId}, 700 usd (paid); the ledger has no payout for it`,
      },
    ]);
    expect(bed.stripe.requests.some((r) => r.method === 'GET' && r.path === '/v1/payouts')).toBe(true);
    expect(await handled(lost)).toBe('payout_booked');
    const aboutLost = async () =>
      (await bed.deps.services.reconciliation.reconcile({ limit: 1000 })).differences.filter((difference) =>
        difference.detail.includes(lostId),
      );
    expect(await aboutLost()).toEqual([]);

    // The bank returns it: Stripe lists it failed, but its payout.failed has not reached us yet.
    const returned = bed.stripe.failPayout(lost);
    expect(await aboutLost()).toEqual([
      {
        kind: 'payout_status_differs',
        provider: 'stripe',
        paymentId: null,
        eventId: null,
        detail: `stripe lists payout ${lostId} of account ${accountId}, 700 usd (failed); ours is paid`,
      },
    ]);
    expect(await handled(returned)).toBe('payout_reversed');
    expect(await aboutLost()).toEqual([]);
  });

  it('ignores the platform’s own payouts and refuses a Connect event signed with another secret', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const { accountId } = await onboard(channel.owner);
    const { account: _account, ...platformPayout } = bed.stripe.payout(accountId, 500, 'usd');
    expect(await handled(platformPayout)).toBe("ignored: payout.paid of the platform's balance");
    const raw = JSON.stringify(bed.stripe.finishOnboarding(accountId));
    const forged = await bed.stripe.sign(raw, { secret: 'whsec_not_ours' });
    await expectProblem(await bed.deliver(raw, forged), 400, 'invalid_webhook_signature');
    expect((await status(channel.owner)).state).toBe('pending');
  });

  it('answers 401 without a token, 404 without a channel and 422 for a foreign cursor', async () => {
    const viewer = await registerAndLogin(bed.app, bed.backends);
    await expectProblem(await bed.app.request('/api/v1/payments/connect'), 401, 'invalid_token');
    await expectProblem(
      await bed.app.request('/api/v1/payments/connect/onboarding', { method: 'POST' }),
      401,
      'invalid_token',
    );
    await expectProblem(await bed.app.request('/api/v1/payments/payouts'), 401, 'invalid_token');
    await expectProblem(await call('GET', '/connect', viewer), 404, 'not_found');
    await expectProblem(await call('POST', '/connect/onboarding', viewer), 404, 'not_found');
    await expectProblem(await call('GET', '/payouts', viewer), 404, 'not_found');
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    await expectProblem(
      await call('GET', '/payouts?cursor=not-a-cursor', channel.owner),
      422,
      'validation_failed',
    );
    await expectProblem(
      await call('GET', '/payouts/export?currency=dollars', channel.owner),
      422,
      'validation_failed',
    );
  });
});
