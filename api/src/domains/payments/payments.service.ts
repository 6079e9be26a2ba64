/**
 * The payments domain's rules (docs/payments.md): a tip starts as a pending payment and a provider
 * checkout; the provider's webhook is verified, stored once and handed to a durable consumer, which books
 * the tip in the ledger and stores `tip.received` in one transaction. Creators read their earnings from
 * the ledger.
 */
import type { PaymentsConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import type {
  Earnings,
  LedgerExportQuery,
  LedgerLinePage,
  LedgerLinesQuery,
  PaymentProviderName,
  RazorpayCheckoutVerified,
  RefundRequested,
  StartTipRequest,
  TipCheckout,
  VerifyRazorpayCheckoutRequest,
  WebhookReceipt,
} from '@streamhub/contracts/payments';
import type { Db } from '@streamhub/db/client';
import type { PaymentRow, ProviderEventRow } from '@streamhub/db/schema/payments';
import { AppError, conflict, notFound, validationFailed } from '@streamhub/errors/app-error';
import { appendEventStatement } from '@streamhub/infra/outbox/writer';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { ConnectService } from './connect.service.ts';
import type { LedgerRepository } from './ledger.repository.ts';
import { type LedgerService, platformFeeOf, splitEntry } from './ledger.service.ts';
import {
  type CheckoutStarted,
  type PaymentProvider,
  ProviderCallError,
  type ProviderEvent,
  WebhookRejectedError,
} from './payment-provider.ts';
import type { PaymentsRepository } from './payments.repository.ts';
import { checkRazorpaySignature } from './razorpay-checkout.ts';
import type { SubscriptionsService } from './subscriptions.service.ts';
import {
  appendTipsReceived,
  BATCHED_TYPES,
  batchable,
  DEFAULT_WEBHOOK_BATCH,
  entryIdAt,
  type InterpretedEvent,
  planTipBookings,
  reasonOf,
  splitBatch,
  type TipEvent,
} from './webhook-batch.ts';
import { WebhookStoreQueue } from './webhook-store-queue.ts';

export interface PaymentsServiceDeps {
  db: Db;
  payments: PaymentsRepository;
  ledger: LedgerService;
  ledgerReads: LedgerRepository;
  channels: Pick<ChannelsService, 'reference' | 'mine'>;
  /** The providers this instance has configured, by name. */
  providers: ReadonlyMap<PaymentProviderName, PaymentProvider>;
  settings: PaymentsConfig;
  publicUrl: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Applies the subscription events (checkouts, invoices, the provider's subscription changes). */
  subscriptions: Pick<SubscriptionsService, 'apply'>;
  /** Applies connected accounts' events (onboarding state, payouts). */
  connect: Pick<ConnectService, 'apply'>;
  /**
   * Most stored events one consumer transaction handles (`PAYMENTS_WEBHOOK_BATCH`; 1 handles each
   * alone): the job's own event and up to this many minus one others waiting (docs/payments.md).
   */
  webhookBatch?: number;
}

/** A provider event that cannot be applied yet (it came before the one it follows); its job is retried. */
class EventTooEarlyError extends Error {
  override name = 'EventTooEarlyError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PaymentsService {
  /** Webhooks received together are stored together: one statement and one commit for them all. */
  private readonly webhookStores: WebhookStoreQueue;

  constructor(private readonly deps: PaymentsServiceDeps) {
    this.webhookStores = new WebhookStoreQueue((requests) => deps.payments.storeEvents(requests));
  }

  /**
   * Starts a tip: checks the amount against the instance's limits, records a pending payment and opens
   * the provider's checkout for it (a destination charge when the channel has a connected account).
   */
  async startTip(payerId: string, request: StartTipRequest): Promise<TipCheckout> {
    if (this.deps.providers.size === 0) {
      throw new AppError(503, 'payments_unavailable', 'Payments are not enabled on this instance.');
    }
    const { currencies, tipMinMinor, tipMaxMinor, platformFeeBps } = this.deps.settings;
    const provider = currencies.includes(request.currency) ? this.providerFor(request.currency) : undefined;
    if (!provider) {
      throw validationFailed([{ path: 'body.currency', message: `must be one of ${currencies.join(', ')}` }]);
    }
    if (request.amount < tipMinMinor || request.amount > tipMaxMinor) {
      throw validationFailed([
        { path: 'body.amount', message: `must be from ${tipMinMinor} to ${tipMaxMinor} minor units` },
      ]);
    }
    const channel = await this.deps.channels.reference(request.channel);
    const platformFee = platformFeeOf(request.amount, platformFeeBps);
    const destination = await this.deps.payments.connectedAccount(channel.id, provider.name);
    const message = request.message ? request.message : null;
    const payment = await this.deps.payments.create({
      provider: provider.name,
      channelId: channel.id,
      creatorId: channel.ownerId,
      payerId,
      amount: request.amount,
      currency: request.currency,
      platformFee,
      message,
      destination: destination ?? null,
    });
    const page = `${this.deps.publicUrl}/c/${encodeURIComponent(channel.slug)}`;
    let started: CheckoutStarted;
    try {
      started = await provider.createTipCheckout({
        paymentId: payment.id,
        channelId: channel.id,
        amount: payment.amount,
        currency: payment.currency,
        platformFee,
        description: `Tip to ${channel.slug}`,
        message: message ?? undefined,
        destination,
        successUrl: `${page}?tip=${payment.id}`,
        cancelUrl: `${page}?tip=cancelled`,
        idempotencyKey: `tip-${payment.id}`,
      });
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      await this.deps.payments.setStatus(this.deps.db, payment.id, 'failed', 'pending');
      this.deps.logger.error({ err: error, paymentId: payment.id }, 'opening a tip checkout failed');
      throw new AppError(502, 'payment_provider_error', 'The payment provider could not open a checkout.', {
        cause: error,
      });
    }
    await this.deps.payments.setCheckout(payment.id, started.checkoutId);
    return {
      paymentId: payment.id,
      provider: provider.name,
      checkoutUrl: started.url,
      razorpay:
        provider.name === 'razorpay' && started.clientKey
          ? { keyId: started.clientKey, orderId: started.checkoutId }
          : null,
      amount: payment.amount,
      currency: payment.currency,
      platformFee,
    };
  }

  /**
   * The tip currencies whose checkout is a hosted page the browser is sent to (Stripe's): the channel
   * page offers these; a Razorpay tip needs Razorpay Checkout's script, which the web app does not load.
   */
  hostedCheckoutCurrencies(): string[] {
    return this.deps.settings.currencies.filter((currency) => this.providerFor(currency)?.name === 'stripe');
  }

  /**
   * The provider a tip in `currency` goes through: Razorpay for the currencies its settings name, Stripe
   * for the others; undefined when the one it would be is off.
   */
  private providerFor(currency: string): PaymentProvider | undefined {
    const razorpay = this.deps.providers.get('razorpay');
    if (razorpay && this.deps.settings.razorpay?.currencies.includes(currency)) return razorpay;
    return this.deps.providers.get('stripe');
  }

  /**
   * Checks what Razorpay Checkout returned to the payer's page: the signature over `order_id|payment_id`
   * with our key secret proves Razorpay took the payment for that order. The payment's Razorpay id is
   * recorded (so a refund's webhook can find it); the tip is booked when Razorpay's `order.paid` webhook
   * arrives, the one path by which money reaches the ledger.
   */
  async verifyRazorpayCheckout(
    payerId: string,
    request: VerifyRazorpayCheckoutRequest,
  ): Promise<RazorpayCheckoutVerified> {
    const provider = this.deps.providers.get('razorpay');
    if (!provider) throw notFound('Razorpay');
    const payment = await this.deps.payments.findByCheckout('razorpay', request.razorpay_order_id);
    if (!payment || payment.payerId !== payerId) throw notFound('Payment');
    checkRazorpaySignature(provider, {
      orderId: request.razorpay_order_id,
      providerPaymentId: request.razorpay_payment_id,
      signature: request.razorpay_signature,
    });
    await this.deps.payments.recordProviderPayment(payment.id, request.razorpay_payment_id);
    return { paymentId: payment.id, status: payment.status };
  }

  /**
   * An admin refunds a paid tip at its provider: `amount` minor units (at most what is left to refund),
   * or all that is left. The ledger's reversing entry is booked when the provider's refund webhook
   * arrives, like every other money movement. The idempotency key names the payment, what was refunded
   * before and the amount, so a repeated request (a double click) is one refund at the provider, while
   * a second partial refund once the first is booked is a new one.
   */
  async refundTip(paymentId: string, amount?: number): Promise<RefundRequested> {
    const payment = await this.deps.payments.find(paymentId);
    if (!payment) throw notFound('Payment');
    const provider = this.deps.providers.get(payment.provider as PaymentProviderName);
    if (!provider) {
      throw new AppError(503, 'payments_unavailable', `${payment.provider} is not enabled on this instance.`);
    }
    if (payment.status !== 'succeeded' || !payment.providerPaymentId) {
      throw conflict(`Only a paid tip can be refunded; this one is ${payment.status}.`);
    }
    const left = payment.amount - payment.amountRefunded;
    if (amount !== undefined && amount > left) {
      throw validationFailed([
        {
          path: 'body.amount',
          message: `At most ${left} ${payment.currency} of this payment is left to refund.`,
        },
      ]);
    }
    const whole = payment.amountRefunded === 0 && (amount ?? left) === payment.amount;
    try {
      const refund = await provider.refund({
        paymentId: payment.id,
        providerPaymentId: payment.providerPaymentId,
        fromConnectedAccount: payment.destination !== null,
        amount: amount ?? left,
        idempotencyKey: whole
          ? `refund-${payment.id}`
          : `refund-${payment.id}-${payment.amountRefunded}-${amount ?? left}`,
      });
      return { paymentId: payment.id, ...refund };
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      this.deps.logger.error({ err: error, paymentId: payment.id }, 'refunding a tip failed');
      throw new AppError(502, 'payment_provider_error', 'The payment provider refused the refund.', {
        cause: error,
      });
    }
  }

  /**
   * Verifies a provider's webhook against its raw body and stores it once, with the durable event that
   * gets it handled; a replay finds it stored and changes nothing. Nothing else happens here, so the
   * provider gets its 2xx at once.
   */
  async receiveWebhook(
    providerName: PaymentProviderName,
    rawBody: Uint8Array,
    signature: string | undefined,
  ): Promise<WebhookReceipt> {
    const provider = this.deps.providers.get(providerName);
    if (!provider) throw notFound(`The ${providerName} webhook`);
    let verified: Awaited<ReturnType<PaymentProvider['verifyWebhook']>>;
    try {
      verified = await provider.verifyWebhook(rawBody, signature);
    } catch (error) {
      if (!(error instanceof WebhookRejectedError)) throw error;
      if (error.reason === 'malformed') throw new AppError(400, 'malformed_webhook', error.message);
      throw new AppError(400, 'invalid_webhook_signature', error.message);
    }
    const { id: eventId, type, payload, paymentId } = verified;
    // One payment's events share an aggregate, so they are appended (and numbered) in order.
    const aggregate =
      paymentId && UUID.test(paymentId) ? `payment:${paymentId}` : `${providerName}:${eventId}`;
    const stored = await this.webhookStores.store({
      event: { provider: providerName, eventId, type, payload },
      aggregate,
      append: (onlyIfStored) =>
        appendEventStatement(
          DOMAIN_EVENTS,
          'payment.webhook_received',
          { provider: providerName, eventId, type },
          { aggregate },
          onlyIfStored,
        ).statement,
    });
    return { received: true, duplicate: !stored };
  }

  /**
   * The durable consumer's entry point: handles the job's stored event in `tx` and, when it is one a
   * batch can take (a tip, a renewal, a refund), up to `webhookBatch - 1` other waiting events with it:
   * one lock of the payments, one ledger statement for all the tips' entries, one status update, one
   * outbox insert and one outcome update per batch (`webhook-batch.ts`). A waiting event that cannot be
   * applied (out of order, failing) is rolled back to its savepoint and set aside for its own job. If
   * the batch fails as a whole it is rolled back and the job's event is handled alone, as
   * `handleWebhookEvent` always did; the others stay waiting for their own jobs. Every event is handled
   * at most once: its row is locked and `processed_at` set in the transaction that handles it. Resolves
   * to the ids of the other events `tx` handled (processed once it commits).
   */
  async handleWebhookEvents(tx: Db, providerName: string, eventId: string): Promise<string[]> {
    const limit = this.deps.webhookBatch ?? DEFAULT_WEBHOOK_BATCH;
    const stored = await this.deps.payments.lockUnprocessedEvent(tx, providerName, eventId);
    if (!stored || stored.processedAt) return [];
    const provider = this.deps.providers.get(providerName as PaymentProviderName);
    if (!provider) throw new Error(`a ${providerName} event is stored but ${providerName} is not configured`);
    const trigger = { event: stored, meaning: provider.interpret(stored.payload) };
    if (limit <= 1 || !batchable(provider, trigger.meaning)) {
      await this.handleAlone(tx, provider, trigger);
      return [];
    }
    try {
      // A savepoint: a batch that fails leaves the job's transaction (and the event's lock) usable.
      const handled = await tx.transaction((batch) => this.handleBatch(batch, provider, trigger, limit));
      return handled.filter((id) => id !== eventId);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, provider: providerName, eventId },
        'payment event batch failed; handling the event alone',
      );
      await this.handleAlone(tx, provider, trigger);
      return [];
    }
  }

  /** One locked, unprocessed stored event handled by itself, as it always was. */
  private async handleAlone(tx: Db, provider: PaymentProvider, stored: InterpretedEvent): Promise<void> {
    const outcome = await this.apply(tx, provider.name, stored.meaning);
    await this.deps.payments.finishEvent(tx, provider.name, stored.event.eventId, outcome);
    this.logOutcome(provider.name, stored.event, outcome);
  }

  private async handleBatch(
    tx: Db,
    provider: PaymentProvider,
    trigger: InterpretedEvent,
    limit: number,
  ): Promise<string[]> {
    const waiting = await this.deps.payments.lockWaitingEvents(
      tx,
      provider.name,
      BATCHED_TYPES[provider.name],
      trigger.event.eventId,
      limit - 1,
    );
    const { tips, singles } = splitBatch(
      trigger,
      waiting
        .map((event) => ({ event, meaning: provider.interpret(event.payload) }))
        .filter(({ meaning }) => batchable(provider, meaning)),
    );
    const outcomes: { event: ProviderEventRow; outcome: string }[] = [];
    // The job's own event first, without a savepoint of its own: if it cannot be applied, the batch
    // fails and it is handled (and fails, and is retried) alone.
    const own = singles.find((single) => single.event === trigger.event);
    if (own) outcomes.push({ event: own.event, outcome: await this.apply(tx, provider.name, own.meaning) });
    outcomes.push(...(await this.bookTips(tx, provider.name, tips)));
    for (const single of singles) {
      if (single === own) continue;
      try {
        const outcome = await tx.transaction((one) => this.apply(one, provider.name, single.meaning));
        outcomes.push({ event: single.event, outcome });
      } catch (error) {
        // Rolled back to its savepoint: nothing of it stays. Its own job handles it alone.
        await this.deps.payments.setAside(
          tx,
          provider.name,
          single.event.eventId,
          `set aside: ${reasonOf(error)}`,
        );
      }
    }
    await this.deps.payments.finishEvents(
      tx,
      provider.name,
      outcomes.map(({ event, outcome }) => ({ eventId: event.eventId, outcome })),
    );
    for (const { event, outcome } of outcomes) this.logOutcome(provider.name, event, outcome);
    return outcomes.map(({ event }) => event.eventId);
  }

  /**
   * Books a batch's paid tips (events that name our payment): their payments locked in one statement,
   * every entry in one ledger statement, the payments settled in one update and their `tip.received`
   * appended in one insert. Each event's outcome is what `bookTip` would have said of it alone.
   */
  private async bookTips(
    tx: Db,
    provider: PaymentProviderName,
    tips: readonly TipEvent[],
  ): Promise<{ event: ProviderEventRow; outcome: string }[]> {
    if (tips.length === 0) return [];
    const locked = await this.deps.payments.lockMany(
      tx,
      provider,
      tips.map((tip) => tip.paymentId),
    );
    const plan = planTipBookings(tips, locked);
    if (plan.bookings.length === 0) return plan.outcomes;
    const entries = await this.deps.ledger.transferMany(
      plan.bookings.map(({ payment }) => tipSplitOf(payment, provider, 'tip', `tip ${payment.id}`)),
      tx,
    );
    const booked = plan.bookings.map((booking, index) => ({
      ...booking,
      entryId: entryIdAt(entries, index),
    }));
    await Promise.all([
      this.deps.payments.settleMany(
        tx,
        booked.map(({ payment, completed, entryId }) => ({
          id: payment.id,
          providerPaymentId: completed.providerPaymentId,
          entryId,
        })),
      ),
      appendTipsReceived(
        tx,
        booked.map(({ payment, entryId }) => ({
          payload: tipReceived(payment, entryId),
          aggregate: `channel:${payment.channelId}`,
        })),
      ),
    ]);
    return plan.outcomes;
  }

  private logOutcome(provider: string, event: ProviderEventRow, outcome: string): void {
    const fields = { provider, eventId: event.eventId, type: event.type, outcome };
    if (outcome.startsWith('anomaly')) this.deps.logger.error(fields, 'payment event not booked');
    else this.deps.logger.info(fields, 'payment event handled');
  }

  /**
   * Handles one stored provider event in `tx` (the durable consumer's transaction): books a paid tip,
   * closes an abandoned checkout, reverses a refunded tip, hands subscription events to the
   * subscriptions service. A second run finds the event processed.
   */
  async handleWebhookEvent(tx: Db, providerName: string, eventId: string): Promise<void> {
    const stored = await this.deps.payments.lockUnprocessedEvent(tx, providerName, eventId);
    if (!stored || stored.processedAt) return;
    const provider = this.deps.providers.get(providerName as PaymentProviderName);
    if (!provider) throw new Error(`a ${providerName} event is stored but ${providerName} is not configured`);
    await this.handleAlone(tx, provider, { event: stored, meaning: provider.interpret(stored.payload) });
  }

  /**
   * Handles, each in its own transaction, the stored events received before `before` that were never
   * handled: those whose job died with a process (the in-process runner keeps jobs in memory). Safe
   * beside the consumer: `handleWebhookEvent` locks the event's row and skips it once processed, so a
   * job still alive elsewhere and this pass handle it once between them. One that cannot apply yet
   * (out of order) stays for its job's retries; resolves to how many were handled.
   */
  async redriveUnprocessed(before: Date, limit = 1000): Promise<number> {
    let handled = 0;
    for (const { provider, eventId } of await this.deps.payments.unprocessedBefore(before, limit)) {
      try {
        await this.deps.db.transaction((tx) => this.handleWebhookEvent(tx, provider, eventId));
        handled += 1;
      } catch (error) {
        this.deps.logger.warn(
          { err: error, provider, eventId },
          'stored payment event still cannot be handled',
        );
      }
    }
    return handled;
  }

  private async apply(tx: Db, provider: PaymentProviderName, meaning: ProviderEvent): Promise<string> {
    switch (meaning.kind) {
      case 'checkout_completed':
        return this.bookTip(tx, provider, meaning);
      case 'checkout_closed': {
        const payment = await this.deps.payments.lockForCheckout(tx, provider, meaning);
        if (!payment) return 'ignored: unknown payment';
        await this.deps.payments.setStatus(tx, payment.id, meaning.reason, 'pending');
        return `checkout_${meaning.reason}`;
      }
      case 'refunded':
        return this.refund(tx, provider, meaning);
      case 'dispute_opened':
      case 'dispute_closed':
        return this.dispute(tx, provider, meaning);
      case 'subscription_checkout_completed':
      case 'subscription_checkout_closed':
      case 'subscription_updated':
      case 'subscription_ended':
      case 'invoice_paid':
      case 'invoice_failed':
        return this.deps.subscriptions.apply(tx, provider, meaning);
      case 'account_updated':
      case 'payout_paid':
      case 'payout_failed':
        return this.deps.connect.apply(tx, provider, meaning);
      case 'other':
        return `ignored: ${meaning.reason}`;
    }
  }

  private async bookTip(
    tx: Db,
    provider: PaymentProviderName,
    completed: Extract<ProviderEvent, { kind: 'checkout_completed' }>,
  ): Promise<string> {
    if (!completed.paid) return 'ignored: not paid yet';
    const ref = {
      paymentId: completed.paymentId && UUID.test(completed.paymentId) ? completed.paymentId : null,
      checkoutId: completed.checkoutId,
    };
    const payment = await this.deps.payments.lockForCheckout(tx, provider, ref);
    if (!payment) return 'anomaly: paid checkout of an unknown payment';
    if (payment.status === 'succeeded' || payment.status === 'refunded') return 'ignored: already booked';
    if (completed.amount !== payment.amount || completed.currency !== payment.currency) {
      // Never book a figure we did not ask for: reconciliation shows the difference to a human.
      return `anomaly: paid ${completed.amount} ${completed.currency}, expected ${payment.amount} ${payment.currency}`;
    }
    const entry = await this.deps.ledger.transfer(
      tipSplitOf(payment, provider, 'tip', `tip ${payment.id}`),
      tx,
    );
    // Two independent writes of the consumer's transaction, sent together (the driver pipelines them
    // on the transaction's connection): one round trip's wait instead of two, with the lock held.
    await Promise.all([
      this.deps.payments.settle(tx, payment.id, {
        providerPaymentId: completed.providerPaymentId,
        entryId: entry.id,
      }),
      appendDomainEvent(tx, 'tip.received', tipReceived(payment, entry.id), {
        aggregate: `channel:${payment.channelId}`,
      }),
    ]);
    return 'tip_booked';
  }

  private async refund(
    tx: Db,
    provider: PaymentProviderName,
    refunded: Extract<ProviderEvent, { kind: 'refunded' }>,
  ): Promise<string> {
    const payment = await this.deps.payments.lockByProviderPayment(tx, provider, refunded.providerPaymentId);
    // Out of order (the refund's webhook handled before its checkout's completion, which tells us the
    // PaymentIntent id) or not ours: fail, so the consumer retries with back-off. A refund that never
    // matches ends as a failed job with its event unprocessed, for reconciliation; never as a silent skip.
    if (!payment)
      throw new EventTooEarlyError(`no payment has ${provider} payment ${refunded.providerPaymentId} yet`);
    if (payment.status === 'refunded') return 'ignored: already refunded';
    if (payment.status !== 'succeeded' || !payment.entryId)
      return 'anomaly: refund of a payment never booked';
    // Both providers send the cumulative amount refunded: what this event adds is the difference from
    // what the ledger holds. An older event arriving after a newer one adds nothing.
    const after = refunded.amountRefunded;
    if (after > payment.amount)
      return `anomaly: refunded ${after} of a payment of ${payment.amount} ${payment.currency}`;
    if (after <= payment.amountRefunded) return 'ignored: refunded already';
    if (payment.amountRefunded === 0 && after === payment.amount) {
      await this.deps.ledger.reverse(
        payment.entryId,
        { kind: 'refund', description: `refund ${payment.id}` },
        tx,
      );
    } else {
      await this.deps.ledger.refundPart(
        payment.entryId,
        { before: payment.amountRefunded, after, total: payment.amount },
        { description: `refund ${after - payment.amountRefunded} of ${payment.id}` },
        tx,
      );
    }
    const whole = after === payment.amount;
    await this.deps.payments.setRefunded(tx, payment.id, after, whole ? 'refunded' : 'succeeded');
    if (!whole) return 'tip_partially_refunded';
    return 'tip_refunded';
  }

  /**
   * A chargeback: while it is open (and once lost) the tip's entry is reversed, as a refund would be; a
   * dispute won books the tip again as a new entry, which a later dispute would reverse in turn.
   */
  private async dispute(
    tx: Db,
    provider: PaymentProviderName,
    event: Extract<ProviderEvent, { kind: 'dispute_opened' | 'dispute_closed' }>,
  ): Promise<string> {
    const payment = await this.deps.payments.lockByProviderPayment(tx, provider, event.providerPaymentId);
    if (!payment)
      throw new EventTooEarlyError(`no payment has ${provider} payment ${event.providerPaymentId} yet`);
    if (event.kind === 'dispute_opened') {
      if (payment.status === 'disputed') return 'ignored: disputed already';
      if (payment.status !== 'succeeded' || !payment.entryId)
        return `anomaly: dispute of a ${payment.status} payment`;
      // Reversing the whole entry would take back the refunded part a second time: a human decides.
      if (payment.amountRefunded > 0) return 'anomaly: dispute of a partially refunded payment';
      await this.deps.ledger.reverse(
        payment.entryId,
        { kind: 'dispute', description: `dispute ${event.disputeId} of ${payment.id}` },
        tx,
      );
      await this.deps.payments.setStatus(tx, payment.id, 'disputed');
      return 'dispute_opened';
    }
    if (payment.status !== 'disputed') return `ignored: payment is ${payment.status}`;
    if (!event.won) return 'dispute_lost';
    const entry = await this.deps.ledger.transfer(
      tipSplitOf(payment, provider, 'dispute_won', `dispute ${event.disputeId} won for ${payment.id}`),
      tx,
    );
    await this.deps.payments.settle(tx, payment.id, {
      providerPaymentId: payment.providerPaymentId,
      entryId: entry.id,
    });
    return 'dispute_won';
  }

  /** The caller's channel's balances, one per currency, from its creator-payable accounts. */
  async earnings(userId: string): Promise<Earnings> {
    const channel = await this.deps.channels.mine(userId);
    const balances = await this.deps.ledgerReads.accountsOf('creator_payable', channel.id);
    return {
      channel: { id: channel.id, slug: channel.slug },
      balances: balances.map(({ account, balance, version }) => ({
        currency: account.currency,
        balance,
        lines: version,
      })),
    };
  }

  /** The ledger lines of the caller's channel's balances (optionally one currency), newest first. */
  async ledgerLines(userId: string, query: LedgerLinesQuery): Promise<LedgerLinePage> {
    const channel = await this.deps.channels.mine(userId);
    const balances = await this.deps.ledgerReads.accountsOf('creator_payable', channel.id);
    const ids = balances
      .filter(({ account }) => query.currency === undefined || account.currency === query.currency)
      .map(({ id }) => id);
    return withCursor(() => this.deps.ledgerReads.lines(ids, { limit: query.limit, cursor: query.cursor }));
  }

  /**
   * Every ledger line of the caller's channel's balances (optionally one currency), newest first, as CSV
   * for their books: amounts in integer minor units, never formatted as decimals.
   */
  async ledgerCsv(userId: string, query: LedgerExportQuery): Promise<string> {
    const rows = ['created_at,line_id,entry_id,kind,payment_id,currency,amount_minor,balance_after_minor'];
    let cursor: string | undefined;
    do {
      const page = await this.ledgerLines(userId, { limit: 500, currency: query.currency, cursor });
      for (const line of page.items) {
        // Every field is an id, a code, a number or one of our kinds: nothing to quote or escape.
        rows.push(
          [
            line.createdAt,
            line.id,
            line.entryId,
            line.kind,
            line.paymentId ?? '',
            line.currency,
            line.amount,
            line.balanceAfter,
          ].join(','),
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return `${rows.join('\r\n')}\r\n`;
  }

  /** Routes a channel's future tips to its account at `provider` (destination charges). */
  async connectAccount(channelId: string, provider: PaymentProviderName, accountId: string): Promise<void> {
    await this.deps.payments.connectAccount(channelId, provider, accountId);
  }
}

/** A paid tip's split entry, booked when it is paid and again when a dispute of it is won. */
function tipSplitOf(
  payment: PaymentRow,
  provider: PaymentProviderName,
  kind: 'tip' | 'dispute_won',
  description: string,
) {
  return splitEntry({
    kind,
    paymentId: payment.id,
    description,
    provider,
    channelId: payment.channelId,
    currency: payment.currency,
    amount: payment.amount,
    platformFee: payment.platformFee,
  });
}

function tipReceived(payment: PaymentRow, entryId: string) {
  return {
    paymentId: payment.id,
    channelId: payment.channelId,
    creatorId: payment.creatorId,
    payerId: payment.payerId,
    amount: payment.amount,
    currency: payment.currency,
    platformFee: payment.platformFee,
    creatorAmount: payment.amount - payment.platformFee,
    message: payment.message,
    provider: payment.provider,
    entryId,
    receivedAt: new Date().toISOString(),
  };
}
