/**
 * Channel subscriptions (docs/payments.md): a creator's monthly tiers, a viewer's subscription opened
 * through the provider's checkout, and what the provider's subscription webhooks do to it: every paid
 * invoice is one ledger entry with `subscription.started` or `.renewed`; a failed renewal starts the
 * grace; a cancellation runs to the end of the period paid for; the expiry sweep ends what ran out.
 */
import type { PaymentsConfig } from '@streamhub/config/config';
import type { DomainEventPayload } from '@streamhub/contracts/events';
import {
  type CreateTierRequest,
  type PaymentProviderName,
  type RazorpaySubscriptionVerified,
  type StartSubscriptionRequest,
  type Subscription,
  type SubscriptionCheckout,
  type SubscriptionList,
  TIERS_PER_CHANNEL_MAX,
  type Tier,
  type TierList,
  type UpdateTierRequest,
  type VerifyRazorpaySubscriptionRequest,
} from '@streamhub/contracts/payments';
import type { Db } from '@streamhub/db/client';
import type { SubscriptionRow, TierRow } from '@streamhub/db/schema/payments';
import { AppError, conflict, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { type LedgerService, platformFeeOf, splitEntry } from './ledger.service.ts';
import {
  type CheckoutStarted,
  type PaymentProvider,
  ProviderCallError,
  type ProviderEvent,
} from './payment-provider.ts';
import { checkRazorpaySignature } from './razorpay-checkout.ts';
import { LIVE_STATUSES, type SubscriptionsRepository } from './subscriptions.repository.ts';

export interface SubscriptionsServiceDeps {
  db: Db;
  subscriptions: SubscriptionsRepository;
  ledger: LedgerService;
  channels: Pick<ChannelsService, 'reference' | 'mine'>;
  providers: ReadonlyMap<PaymentProviderName, PaymentProvider>;
  /** The creator's connected account at a provider, for destination charges. */
  connectedAccount(channelId: string, provider: string): Promise<string | undefined>;
  settings: PaymentsConfig;
  publicUrl: string;
  logger: Pick<Logger, 'info' | 'error'>;
}

/** A provider event that names a subscription we cannot find yet (it came first); its job is retried. */
export class SubscriptionNotYetKnownError extends Error {
  override name = 'SubscriptionNotYetKnownError';
}

/** The provider events this service applies. */
export type SubscriptionProviderEvent = Extract<
  ProviderEvent,
  {
    kind:
      | 'subscription_checkout_completed'
      | 'subscription_checkout_closed'
      | 'subscription_updated'
      | 'subscription_ended'
      | 'invoice_paid'
      | 'invoice_failed';
  }
>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Our id as the provider echoes it back; anything else is not one of ours. */
const ourId = (value: string | null) => (value && UUID.test(value) ? value : null);
const later = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));
const isLive = (row: SubscriptionRow) => (LIVE_STATUSES as readonly string[]).includes(row.status);

export class SubscriptionsService {
  constructor(private readonly deps: SubscriptionsServiceDeps) {}

  /** A channel's tiers that take subscribers, cheapest first. */
  async channelTiers(slug: string): Promise<TierList> {
    const channel = await this.deps.channels.reference(slug);
    return { items: (await this.deps.subscriptions.tiersOf(channel.id, true)).map(tierView) };
  }

  /** The caller's channel's tiers, inactive ones included. */
  async myTiers(userId: string): Promise<TierList> {
    const channel = await this.deps.channels.mine(userId);
    return { items: (await this.deps.subscriptions.tiersOf(channel.id, false)).map(tierView) };
  }

  async createTier(userId: string, request: CreateTierRequest): Promise<Tier> {
    const channel = await this.deps.channels.mine(userId);
    this.checkCurrency(request.currency);
    this.checkPrice(request.price);
    if ((await this.deps.subscriptions.countTiers(channel.id)) >= TIERS_PER_CHANNEL_MAX) {
      throw conflict(`A channel has at most ${TIERS_PER_CHANNEL_MAX} tiers; change or deactivate one.`);
    }
    const tier = await this.deps.subscriptions.createTier({ channelId: channel.id, ...request });
    if (!tier) throw conflict(`The channel has a tier named "${request.name}" already.`);
    return tierView(tier);
  }

  /** Renames, reprices or (de)activates a tier; a new price applies to subscriptions started after it. */
  async updateTier(userId: string, tierId: string, change: UpdateTierRequest): Promise<Tier> {
    const channel = await this.deps.channels.mine(userId);
    const tier = await this.deps.subscriptions.findTier(tierId);
    if (!tier || tier.channelId !== channel.id) throw notFound('Tier');
    if (change.price !== undefined) this.checkPrice(change.price);
    const updated = await this.deps.subscriptions.updateTier(tierId, change);
    if (updated === 'name_taken') throw conflict(`The channel has a tier named "${change.name}" already.`);
    if (!updated) throw notFound('Tier');
    return tierView(updated);
  }

  /**
   * Starts a subscription: a pending row and the provider's checkout for a monthly charge. The tier's
   * currency picks the provider as a tip's does (Razorpay for its currencies, Stripe for the others).
   */
  async start(subscriberId: string, request: StartSubscriptionRequest): Promise<SubscriptionCheckout> {
    const unavailable = () =>
      new AppError(503, 'payments_unavailable', 'Subscriptions are not enabled on this instance.');
    if (![...this.deps.providers.values()].some((p) => p.createSubscriptionCheckout)) throw unavailable();
    const channel = await this.deps.channels.reference(request.channel);
    const tier = await this.deps.subscriptions.findTier(request.tier);
    if (!tier || tier.channelId !== channel.id) throw notFound('Tier');
    if (!tier.active) throw conflict('This tier takes no new subscribers.');
    const provider = this.providerFor(tier.currency);
    if (!provider?.createSubscriptionCheckout) throw unavailable();
    if (channel.ownerId === subscriberId) throw conflict('You cannot subscribe to your own channel.');
    if (await this.deps.subscriptions.liveOf(this.deps.db, subscriberId, channel.id)) {
      throw conflict('You are subscribed to this channel already.');
    }
    const destination = await this.deps.connectedAccount(channel.id, provider.name);
    const subscription = await this.deps.subscriptions.create({
      provider: provider.name,
      channelId: channel.id,
      creatorId: channel.ownerId,
      subscriberId,
      tierId: tier.id,
      price: tier.price,
      currency: tier.currency,
      destination: destination ?? null,
    });
    const page = `${this.deps.publicUrl}/c/${encodeURIComponent(channel.slug)}`;
    let started: CheckoutStarted;
    try {
      const planId = provider.createPlan
        ? await this.planOf(provider.name, provider.createPlan.bind(provider), tier)
        : undefined;
      started = await provider.createSubscriptionCheckout({
        subscriptionId: subscription.id,
        channelId: channel.id,
        price: tier.price,
        currency: tier.currency,
        platformFeeBps: this.deps.settings.platformFeeBps,
        description: `${tier.name} subscription to ${channel.slug}`,
        destination,
        successUrl: `${page}?subscription=${subscription.id}`,
        cancelUrl: `${page}?subscription=cancelled`,
        idempotencyKey: `subscription-${subscription.id}`,
        planId,
      });
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      await this.deps.subscriptions.update(this.deps.db, subscription.id, { status: 'abandoned' });
      this.deps.logger.error(
        { err: error, subscriptionId: subscription.id },
        'opening a subscription checkout failed',
      );
      throw new AppError(502, 'payment_provider_error', 'The payment provider could not open a checkout.', {
        cause: error,
      });
    }
    if (!started.url) throw new Error(`${provider.name} opened a subscription checkout without a page`);
    await this.deps.subscriptions.setCheckout(subscription.id, started.checkoutId);
    if (started.providerSubscriptionId) {
      await this.deps.subscriptions.update(this.deps.db, subscription.id, {
        providerSubscriptionId: started.providerSubscriptionId,
      });
    }
    return {
      subscriptionId: subscription.id,
      provider: provider.name,
      checkoutUrl: started.url,
      price: tier.price,
      currency: tier.currency,
      razorpay:
        provider.name === 'razorpay' && started.clientKey && started.providerSubscriptionId
          ? { keyId: started.clientKey, subscriptionId: started.providerSubscriptionId }
          : null,
    };
  }

  /** The provider a subscription in `currency` goes through, as for tips; undefined when it is off. */
  private providerFor(currency: string): PaymentProvider | undefined {
    const razorpay = this.deps.providers.get('razorpay');
    if (razorpay && this.deps.settings.razorpay?.currencies.includes(currency)) return razorpay;
    return this.deps.providers.get('stripe');
  }

  /**
   * The provider's plan for `tier` at its price, created at the provider the first time. Two first
   * subscribers at once may both create one; the first stored wins and the other plan stays unused.
   */
  private async planOf(
    provider: PaymentProviderName,
    createPlan: NonNullable<PaymentProvider['createPlan']>,
    tier: TierRow,
  ): Promise<string> {
    const key = { tierId: tier.id, provider, price: tier.price, currency: tier.currency };
    const known = await this.deps.subscriptions.planOf(key);
    if (known) return known;
    const created = await createPlan({ ...key, name: tier.name });
    return this.deps.subscriptions.savePlan({ ...key, planId: created });
  }

  /**
   * Checks what Razorpay Checkout returned to the subscriber's page for a subscription: the signature
   * over `payment_id|subscription_id` with our key secret. Nothing is booked here; the charge is, when
   * Razorpay's `subscription.charged` webhook arrives.
   */
  async verifyRazorpayCheckout(
    subscriberId: string,
    request: VerifyRazorpaySubscriptionRequest,
  ): Promise<RazorpaySubscriptionVerified> {
    const provider = this.deps.providers.get('razorpay');
    if (!provider) throw notFound('Razorpay');
    const row = await this.deps.subscriptions.findByCheckout('razorpay', request.razorpay_subscription_id);
    if (!row || row.subscriberId !== subscriberId) throw notFound('Subscription');
    checkRazorpaySignature(provider, {
      subscriptionId: request.razorpay_subscription_id,
      providerPaymentId: request.razorpay_payment_id,
      signature: request.razorpay_signature,
    });
    return { subscriptionId: row.id, status: row.status };
  }

  /** The caller's subscriptions that were ever paid, newest first. */
  async mine(subscriberId: string): Promise<SubscriptionList> {
    return { items: (await this.deps.subscriptions.ofSubscriber(subscriberId)).map(subscriptionView) };
  }

  /**
   * Cancels at the end of the period paid for: the provider stops renewing, the perks last until then,
   * and `subscription.cancelled` says so. The expiry sweep ends it when the period is over.
   */
  async cancel(subscriberId: string, subscriptionId: string): Promise<Subscription> {
    const found = await this.deps.subscriptions.find(subscriptionId);
    if (!found || found.subscriberId !== subscriberId) throw notFound('Subscription');
    if (!isLive(found))
      throw conflict(`Only a running subscription can be cancelled; this one is ${found.status}.`);
    if (found.cancelAtPeriodEnd) throw conflict('This subscription is cancelled already.');
    const provider = this.deps.providers.get(found.provider as PaymentProviderName);
    if (!provider?.cancelSubscriptionAtPeriodEnd) {
      throw new AppError(503, 'payments_unavailable', `${found.provider} is not enabled on this instance.`);
    }
    if (!found.providerSubscriptionId) {
      // Paid (an invoice told us) but the provider's subscription id has not reached us yet.
      throw conflict('The payment provider has not confirmed this subscription yet; try again shortly.');
    }
    let periodEnd: Date | null;
    try {
      ({ currentPeriodEnd: periodEnd } = await provider.cancelSubscriptionAtPeriodEnd({
        providerSubscriptionId: found.providerSubscriptionId,
        idempotencyKey: `cancel-${found.id}`,
      }));
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      this.deps.logger.error({ err: error, subscriptionId }, 'cancelling a subscription failed');
      throw new AppError(502, 'payment_provider_error', 'The payment provider refused the cancellation.', {
        cause: error,
      });
    }
    return this.deps.db.transaction(async (tx) => {
      const row = await this.deps.subscriptions.lock(tx, found.provider, { subscriptionId });
      if (!row || !isLive(row)) throw conflict('This subscription ended meanwhile.');
      if (row.cancelAtPeriodEnd) return subscriptionView(row);
      return subscriptionView(await this.markCancelled(tx, row, later(row.currentPeriodEnd, periodEnd)));
    });
  }

  /** Whether the user holds a subscription's perks on the channel now (chat badge, subscribers-only). */
  async isSubscribed(userId: string, channelId: string): Promise<boolean> {
    return this.deps.subscriptions.isSubscribed(userId, channelId);
  }

  /**
   * Ends every live subscription whose perks ran out by `now` (a cancelled one at its period's end, a
   * failed renewal after its grace, one whose renewal never came), each with `subscription.expired`, in
   * batches; resolves to how many ended. Rows another sweeper holds are left to it.
   */
  async expireDue(now = new Date(), batch = 100): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.deps.db.transaction(async (tx) => {
        const due = await this.deps.subscriptions.lockDue(tx, now, batch);
        for (const row of due) {
          const ended = await this.deps.subscriptions.update(tx, row.id, {
            status: 'expired',
            endedAt: now,
          });
          await this.append(tx, 'subscription.expired', ended, null);
        }
        return due.length;
      });
      total += expired;
      if (expired < batch) return total;
    }
  }

  /** Applies one provider event in `tx` (the payments consumer's); resolves to its outcome. */
  async apply(tx: Db, provider: PaymentProviderName, event: SubscriptionProviderEvent): Promise<string> {
    switch (event.kind) {
      case 'subscription_checkout_completed': {
        const row = await this.deps.subscriptions.lock(tx, provider, {
          subscriptionId: ourId(event.subscriptionId),
          checkoutId: event.checkoutId,
        });
        if (!row) return 'anomaly: completed checkout of an unknown subscription';
        if (!event.providerSubscriptionId) return 'ignored: no subscription in the checkout';
        await this.link(tx, row, event.providerSubscriptionId);
        return 'subscription_linked';
      }
      case 'subscription_checkout_closed': {
        const row = await this.deps.subscriptions.lock(tx, provider, {
          subscriptionId: ourId(event.subscriptionId),
          checkoutId: event.checkoutId,
        });
        if (!row) return 'ignored: unknown subscription';
        if (row.status !== 'incomplete') return `ignored: subscription is ${row.status}`;
        await this.deps.subscriptions.update(tx, row.id, { status: 'abandoned' });
        return 'subscription_checkout_expired';
      }
      case 'subscription_updated':
        return this.updated(tx, provider, event);
      case 'subscription_ended':
        return this.ended(tx, provider, event);
      case 'invoice_paid':
        return this.invoicePaid(tx, provider, event);
      case 'invoice_failed':
        return this.invoiceFailed(tx, provider, event);
    }
  }

  private async find(
    tx: Db,
    provider: PaymentProviderName,
    event: { subscriptionId: string | null; providerSubscriptionId: string | null },
  ): Promise<SubscriptionRow> {
    const subscriptionId = ourId(event.subscriptionId);
    const row = await this.deps.subscriptions.lock(tx, provider, {
      subscriptionId,
      providerSubscriptionId: event.providerSubscriptionId,
    });
    if (row) return row;
    // Without our id only the provider's names it, and we learn that from the checkout's completion:
    // this event came first (out of order), so fail and be retried with back-off. One that never
    // matches ends as a failed job with its event unprocessed, for reconciliation.
    throw new SubscriptionNotYetKnownError(
      subscriptionId
        ? `no subscription ${subscriptionId}`
        : `no subscription has ${provider} subscription ${event.providerSubscriptionId} yet`,
    );
  }

  private async link(tx: Db, row: SubscriptionRow, providerSubscriptionId: string): Promise<SubscriptionRow> {
    if (row.providerSubscriptionId === providerSubscriptionId) return row;
    return this.deps.subscriptions.update(tx, row.id, { providerSubscriptionId });
  }

  private async updated(
    tx: Db,
    provider: PaymentProviderName,
    event: Extract<SubscriptionProviderEvent, { kind: 'subscription_updated' }>,
  ): Promise<string> {
    let row = await this.link(tx, await this.find(tx, provider, event), event.providerSubscriptionId);
    if (!isLive(row)) return `ignored: subscription is ${row.status}`;
    const periodEnd = later(row.currentPeriodEnd, event.currentPeriodEnd);
    if (event.cancelAtPeriodEnd && !row.cancelAtPeriodEnd) {
      // Cancelled at the provider (its customer portal, its dashboard): the same as through our API.
      await this.markCancelled(tx, row, periodEnd);
      return 'subscription_cancelled';
    }
    if (!event.cancelAtPeriodEnd && row.cancelAtPeriodEnd && row.status === 'active' && periodEnd) {
      row = await this.deps.subscriptions.update(tx, row.id, {
        cancelAtPeriodEnd: false,
        currentPeriodEnd: periodEnd,
        accessUntil: this.withGrace(periodEnd),
      });
      return 'subscription_resumed';
    }
    return 'ignored: nothing changed';
  }

  private async ended(
    tx: Db,
    provider: PaymentProviderName,
    event: Extract<SubscriptionProviderEvent, { kind: 'subscription_ended' }>,
  ): Promise<string> {
    const row = await this.link(tx, await this.find(tx, provider, event), event.providerSubscriptionId);
    if (row.status === 'incomplete') {
      await this.deps.subscriptions.update(tx, row.id, { status: 'abandoned' });
      return 'subscription_checkout_expired';
    }
    if (!isLive(row)) return `ignored: subscription is ${row.status}`;
    const now = new Date();
    const ended = await this.deps.subscriptions.update(tx, row.id, {
      status: 'expired',
      endedAt: now,
      accessUntil: now,
    });
    await this.append(tx, 'subscription.expired', ended, null);
    return 'subscription_expired';
  }

  private async invoicePaid(
    tx: Db,
    provider: PaymentProviderName,
    event: Extract<SubscriptionProviderEvent, { kind: 'invoice_paid' }>,
  ): Promise<string> {
    let row = await this.find(tx, provider, event);
    if (event.amount !== row.price || event.currency !== row.currency) {
      // Never book a figure we did not ask for: reconciliation shows the difference to a human.
      return `anomaly: invoice paid ${event.amount} ${event.currency}, expected ${row.price} ${row.currency}`;
    }
    const platformFee = platformFeeOf(event.amount, this.deps.settings.platformFeeBps);
    const payment = await this.deps.subscriptions.createPayment(tx, {
      provider,
      providerPaymentId: await this.chargeOf(provider, event),
      channelId: row.channelId,
      creatorId: row.creatorId,
      payerId: row.subscriberId,
      amount: event.amount,
      currency: event.currency,
      platformFee,
      destination: row.destination,
      subscriptionId: row.id,
      invoiceId: event.invoiceId,
    });
    if (!payment) return 'ignored: invoice already booked';
    // The money was taken, so it is booked whatever the subscription's state.
    // Split as a tip is: the creator's share and the platform's cut in one entry.
    const entry = await this.deps.ledger.transfer(
      splitEntry({
        kind: 'subscription',
        paymentId: payment.id,
        description: `subscription ${row.id} invoice ${event.invoiceId}`,
        provider,
        channelId: row.channelId,
        currency: event.currency,
        amount: event.amount,
        platformFee,
      }),
      tx,
    );
    await this.deps.subscriptions.setPaymentEntry(tx, payment.id, entry.id);
    await this.routeCharge(provider, payment.id, row, event, platformFee);
    if (row.status === 'expired') {
      // Paid after we ended it (the provider retried past our grace): the money is booked; whether to
      // refund or restore is a human's call, so reconciliation shows it.
      return 'anomaly: invoice paid after the subscription expired';
    }
    if (event.providerSubscriptionId) row = await this.link(tx, row, event.providerSubscriptionId);
    const other = await this.deps.subscriptions.liveOf(tx, row.subscriberId, row.channelId);
    if (other && other.id !== row.id) {
      // Two checkouts opened side by side and both paid: one subscription runs, the other is for a human.
      return `anomaly: invoice paid for a second subscription to the channel (${other.id} runs)`;
    }
    const first = row.startedAt === null;
    const periodEnd = later(row.currentPeriodEnd, event.periodEnd);
    const now = new Date();
    const accessUntil = row.cancelAtPeriodEnd ? periodEnd : periodEnd && this.withGrace(periodEnd);
    row = await this.deps.subscriptions.update(tx, row.id, {
      status: 'active',
      currentPeriodEnd: periodEnd,
      accessUntil: accessUntil ?? this.withGrace(now),
      startedAt: row.startedAt ?? now,
    });
    await this.append(tx, first ? 'subscription.started' : 'subscription.renewed', row, entry.id);
    return first ? 'subscription_started' : 'subscription_renewed';
  }

  /**
   * The provider's charge behind a paid invoice, which refunds and disputes go by: named by the event
   * (Razorpay), else asked of the provider (Stripe's invoice payments). A failed call fails the event,
   * which is retried, so a subscription charge is never booked without it when the provider has it.
   */
  private async chargeOf(
    providerName: PaymentProviderName,
    event: Extract<SubscriptionProviderEvent, { kind: 'invoice_paid' }>,
  ): Promise<string | null> {
    if (event.providerPaymentId) return event.providerPaymentId;
    const provider = this.deps.providers.get(providerName);
    return (await provider?.invoicePaymentId?.(event.invoiceId)) ?? null;
  }

  /**
   * Route for a charge the provider took without a split (Razorpay's subscriptions): the creator's share
   * to their linked account, before the booking commits. A failure fails the event, which is retried;
   * the provider's side is checked first, so a retry after a crash transfers once.
   */
  private async routeCharge(
    providerName: PaymentProviderName,
    paymentId: string,
    row: SubscriptionRow,
    event: Extract<SubscriptionProviderEvent, { kind: 'invoice_paid' }>,
    platformFee: number,
  ): Promise<void> {
    const provider = this.deps.providers.get(providerName);
    if (!provider?.transferCharge || !row.destination || !event.providerPaymentId) return;
    await provider.transferCharge({
      paymentId,
      providerPaymentId: event.providerPaymentId,
      destination: row.destination,
      amount: event.amount - platformFee,
      currency: event.currency,
    });
  }

  private async invoiceFailed(
    tx: Db,
    provider: PaymentProviderName,
    event: Extract<SubscriptionProviderEvent, { kind: 'invoice_failed' }>,
  ): Promise<string> {
    const row = await this.find(tx, provider, event);
    if (row.status !== 'active') return `ignored: subscription is ${row.status}`;
    // The grace runs from the first failure; the provider's retries do not extend it.
    const graceEnd = this.withGrace(new Date());
    const pastDue = await this.deps.subscriptions.update(tx, row.id, {
      status: 'past_due',
      accessUntil:
        row.cancelAtPeriodEnd && row.accessUntil && row.accessUntil < graceEnd ? row.accessUntil : graceEnd,
    });
    // Committed with the grace, so the subscriber hears of it once, with the end of their access.
    await this.append(tx, 'subscription.payment_failed', pastDue, null);
    return 'subscription_past_due';
  }

  private async markCancelled(
    tx: Db,
    row: SubscriptionRow,
    periodEnd: Date | null,
  ): Promise<SubscriptionRow> {
    // An active one runs to the end of its period; a past-due one keeps what is left of its grace.
    const accessUntil = row.status === 'active' && periodEnd ? periodEnd : row.accessUntil;
    const cancelled = await this.deps.subscriptions.update(tx, row.id, {
      cancelAtPeriodEnd: true,
      currentPeriodEnd: periodEnd,
      accessUntil,
    });
    await this.append(tx, 'subscription.cancelled', cancelled, null);
    return cancelled;
  }

  private withGrace(at: Date): Date {
    return new Date(at.getTime() + this.deps.settings.subscriptionGraceMs);
  }

  private async append(
    tx: Db,
    name:
      | 'subscription.started'
      | 'subscription.renewed'
      | 'subscription.cancelled'
      | 'subscription.payment_failed'
      | 'subscription.expired',
    row: SubscriptionRow,
    entryId: string | null,
  ): Promise<void> {
    const payload: DomainEventPayload<typeof name> = {
      subscriptionId: row.id,
      channelId: row.channelId,
      creatorId: row.creatorId,
      subscriberId: row.subscriberId,
      tierId: row.tierId,
      price: row.price,
      currency: row.currency,
      provider: row.provider,
      accessUntil: row.status === 'expired' ? null : (row.accessUntil?.toISOString() ?? null),
      entryId,
      at: new Date().toISOString(),
    };
    await appendDomainEvent(tx, name, payload, { aggregate: `subscription:${row.id}` });
  }

  private checkCurrency(currency: string): void {
    const { currencies } = this.deps.settings;
    if (!currencies.includes(currency)) {
      throw validationFailed([{ path: 'body.currency', message: `must be one of ${currencies.join(', ')}` }]);
    }
  }

  private checkPrice(price: number): void {
    const { tierMinMinor: min, tierMaxMinor: max } = this.deps.settings;
    if (price < min || price > max) {
      throw validationFailed([{ path: 'body.price', message: `must be from ${min} to ${max} minor units` }]);
    }
  }
}

function tierView(row: TierRow): Tier {
  return {
    id: row.id,
    channelId: row.channelId,
    name: row.name,
    price: row.price,
    currency: row.currency,
    active: row.active,
  };
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

function subscriptionView(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    channelId: row.channelId,
    tierId: row.tierId,
    status: row.status,
    price: row.price,
    currency: row.currency,
    currentPeriodEnd: iso(row.currentPeriodEnd),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    accessUntil: iso(row.accessUntil),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
  };
}
