/**
 * Creators' connected accounts and payouts (docs/payments.md): a creator onboards to a Stripe Connect
 * Express account from the studio; `account.updated` records what the account may do, and tips and
 * subscriptions become destination charges once it can take charges. Stripe pays the account out to the
 * creator's bank on its schedule; each `payout.paid` is one ledger entry (creator payable → provider
 * clearing) and a `payout.failed` after it reverses that entry.
 */
import type {
  ConnectStatus,
  OnboardingStarted,
  PaymentProviderName,
  PayoutPage,
  PayoutsQuery,
} from '@streamhub/contracts/payments';
import type { Db } from '@streamhub/db/client';
import type { ConnectedAccountRow } from '@streamhub/db/schema/payments';
import { AppError } from '@streamhub/errors/app-error';
import type { Logger } from '@streamhub/logger/logger';
import { withCursor } from '../../http/pagination.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { ConnectRepository } from './connect.repository.ts';
import type { ConnectEvent, ConnectProvider } from './connect-provider.ts';
import { type LedgerService, payoutEntry } from './ledger.service.ts';
import { type PaymentProvider, ProviderCallError } from './payment-provider.ts';

export interface ConnectServiceDeps {
  connect: ConnectRepository;
  ledger: LedgerService;
  channels: Pick<ChannelsService, 'mine'>;
  providers: ReadonlyMap<PaymentProviderName, PaymentProvider>;
  publicUrl: string;
  logger: Pick<Logger, 'error'>;
}

/** The provider creators onboard to: Stripe, the one with connected accounts. */
const CONNECT_PROVIDER = 'stripe' satisfies PaymentProviderName;

function statusOf(row: ConnectedAccountRow | undefined): ConnectStatus {
  return {
    provider: CONNECT_PROVIDER,
    accountId: row?.accountId ?? null,
    chargesEnabled: row?.chargesEnabled ?? false,
    payoutsEnabled: row?.payoutsEnabled ?? false,
    detailsSubmitted: row?.detailsSubmitted ?? false,
    state: !row ? 'none' : row.chargesEnabled ? 'enabled' : 'pending',
  };
}

export class ConnectService {
  constructor(private readonly deps: ConnectServiceDeps) {}

  private provider(): ConnectProvider {
    const connect = this.deps.providers.get(CONNECT_PROVIDER)?.connect;
    if (!connect) {
      throw new AppError(503, 'payments_unavailable', 'Stripe Connect is not enabled on this instance.');
    }
    return connect;
  }

  /** The caller's channel's connected account as we last heard of it. */
  async status(userId: string): Promise<ConnectStatus> {
    const channel = await this.deps.channels.mine(userId);
    return statusOf(await this.deps.connect.accountOf(channel.id, CONNECT_PROVIDER));
  }

  /**
   * Creates the channel's Express account if it has none (the idempotency key makes two clicks one
   * account) and returns a fresh onboarding link: Stripe's form, which sends the creator back to the
   * studio's earnings page when they leave it, or to a refresh URL that asks for a new link.
   */
  async startOnboarding(userId: string): Promise<OnboardingStarted> {
    const channel = await this.deps.channels.mine(userId);
    const connect = this.provider();
    try {
      let row = await this.deps.connect.accountOf(channel.id, CONNECT_PROVIDER);
      if (!row) {
        const created = await connect.createConnectedAccount({
          channelId: channel.id,
          email: undefined,
          idempotencyKey: `connect-account-${channel.id}`,
        });
        row = await this.deps.connect.link(channel.id, CONNECT_PROVIDER, created);
      }
      const page = `${this.deps.publicUrl}/studio/earnings`;
      const link = await connect.createOnboardingLink({
        accountId: row.accountId,
        returnUrl: `${page}?connect=return`,
        refreshUrl: `${page}?connect=refresh`,
      });
      return { accountId: row.accountId, url: link.url, expiresAt: link.expiresAt.toISOString() };
    } catch (error) {
      throw this.providerFailure(error, channel.id, 'starting Connect onboarding failed');
    }
  }

  /**
   * Reads the account back from the provider and stores it: the studio asks this when the creator
   * returns from the form, since `account.updated` may still be on its way.
   */
  async refresh(userId: string): Promise<ConnectStatus> {
    const channel = await this.deps.channels.mine(userId);
    const row = await this.deps.connect.accountOf(channel.id, CONNECT_PROVIDER);
    if (!row) return statusOf(undefined);
    const connect = this.provider();
    let state: Awaited<ReturnType<ConnectProvider['retrieveConnectedAccount']>>;
    try {
      state = await connect.retrieveConnectedAccount(row.accountId);
    } catch (error) {
      throw this.providerFailure(error, channel.id, 'reading a connected account failed');
    }
    const stored = await this.deps.connect.recordState(undefined, CONNECT_PROVIDER, state, new Date());
    return statusOf(stored === 'stale' || stored === undefined ? row : stored);
  }

  private providerFailure(error: unknown, channelId: string, what: string): unknown {
    if (!(error instanceof ProviderCallError)) return error;
    this.deps.logger.error({ err: error, channelId }, what);
    return new AppError(502, 'payment_provider_error', 'The payment provider refused the request.', {
      cause: error,
    });
  }

  /** Applies a connected account's event in `tx` (the webhook consumer's transaction). */
  async apply(tx: Db, provider: PaymentProviderName, event: ConnectEvent): Promise<string> {
    if (event.kind === 'account_updated') {
      const stored = await this.deps.connect.recordState(tx, provider, event, event.reportedAt);
      if (stored === undefined) return 'ignored: account of no channel';
      if (stored === 'stale') return 'ignored: an older report of the account';
      return stored.chargesEnabled ? 'account_enabled' : 'account_pending';
    }
    const payout = await this.deps.connect.lockPayout(tx, provider, event.payoutId);
    if (event.kind === 'payout_paid') {
      if (payout) return `ignored: payout already ${payout.status}`;
      const channelId = await this.deps.connect.channelOfAccount(tx, provider, event.accountId);
      // Not retried: the account row is written before Stripe can pay anything out of it.
      if (!channelId) return 'anomaly: payout of an account of no channel';
      const entry = await this.deps.ledger.transfer(
        payoutEntry({
          provider,
          channelId,
          currency: event.currency,
          amount: event.amount,
          payoutId: event.payoutId,
        }),
        tx,
      );
      await this.deps.connect.insertPayout(tx, {
        provider,
        payoutId: event.payoutId,
        channelId,
        accountId: event.accountId,
        status: 'paid',
        amount: event.amount,
        currency: event.currency,
        arrivalDate: event.arrivalDate,
        entryId: entry.id,
      });
      return 'payout_booked';
    }
    if (payout?.status === 'failed') return 'ignored: payout failed already';
    if (payout?.entryId) {
      // Paid, then returned by the bank: the money is back on the connected account, owed again.
      const reversal = await this.deps.ledger.reverse(
        payout.entryId,
        { kind: 'payout_failed', description: `${provider} payout ${event.payoutId} failed` },
        tx,
      );
      await this.deps.connect.markPayoutFailed(tx, payout.id, reversal.id);
      return 'payout_reversed';
    }
    // Failed before we heard it was paid (or never paid): nothing moved; a later `payout.paid` is ignored.
    const channelId = await this.deps.connect.channelOfAccount(tx, provider, event.accountId);
    if (!channelId) return 'anomaly: payout of an account of no channel';
    await this.deps.connect.insertPayout(tx, {
      provider,
      payoutId: event.payoutId,
      channelId,
      accountId: event.accountId,
      status: 'failed',
      amount: event.amount,
      currency: event.currency,
      arrivalDate: event.arrivalDate,
    });
    return 'payout_failed';
  }

  /** The caller's channel's payouts, newest first. */
  async payouts(userId: string, query: PayoutsQuery): Promise<PayoutPage> {
    const channel = await this.deps.channels.mine(userId);
    return withCursor(() =>
      this.deps.connect.payoutsOf(channel.id, query.currency, { limit: query.limit, cursor: query.cursor }),
    );
  }

  /** Every payout of the caller's channel as CSV, amounts in integer minor units. */
  async payoutsCsv(userId: string, query: Pick<PayoutsQuery, 'currency'>): Promise<string> {
    const rows = [
      'created_at,payout_id,provider,provider_payout_id,status,currency,amount_minor,arrival_date,entry_id,reversal_entry_id',
    ];
    let cursor: string | undefined;
    do {
      const page = await this.payouts(userId, { limit: 500, currency: query.currency, cursor });
      for (const payout of page.items) {
        // Ids from us or Stripe (`po_…`), codes, numbers and dates: nothing to quote.
        rows.push(
          [
            payout.createdAt,
            payout.id,
            payout.provider,
            payout.payoutId,
            payout.status,
            payout.currency,
            payout.amount,
            payout.arrivalDate ?? '',
            payout.entryId ?? '',
            payout.reversalEntryId ?? '',
          ].join(','),
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return `${rows.join('\r\n')}\r\n`;
  }
}
