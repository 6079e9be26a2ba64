/**
 * The payments domain's module: tips and channel subscriptions through the configured providers, their
 * webhooks handled by a durable consumer, the expiry sweep, the double-entry ledger and the creators'
 * earnings read from it.
 */
import type { PaymentsConfig } from '@streamhub/config/config';
import type { PaymentProviderName } from '@streamhub/contracts/payments';
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { ConnectRepository } from './connect.repository.ts';
import { connectRoutes } from './connect.routes.ts';
import { ConnectService } from './connect.service.ts';
import { LedgerRepository } from './ledger.repository.ts';
import { LedgerService } from './ledger.service.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { PaymentsRepository } from './payments.repository.ts';
import { paymentRoutes } from './payments.routes.ts';
import { PaymentsService } from './payments.service.ts';
import {
  paymentsConsumers,
  redriveWebhooksAtStart,
  startSubscriptionExpirySweep,
} from './payments-consumers.ts';
import { RazorpayProvider } from './razorpay-provider.ts';
import { ReconciliationRepository } from './reconciliation.repository.ts';
import { ReconciliationService } from './reconciliation.service.ts';
import { StripeProvider } from './stripe-provider.ts';
import { SubscriptionExpiryNotices, startSubscriptionExpiryNotices } from './subscription-expiry-notices.ts';
import { SubscriptionsRepository } from './subscriptions.repository.ts';
import { SubscriptionsService } from './subscriptions.service.ts';

/** The providers the settings turn on. */
export function configuredProviders(settings: PaymentsConfig): Map<PaymentProviderName, PaymentProvider> {
  const providers = new Map<PaymentProviderName, PaymentProvider>();
  if (settings.stripe) providers.set('stripe', new StripeProvider(settings.stripe));
  if (settings.razorpay) providers.set('razorpay', new RazorpayProvider(settings.razorpay));
  return providers;
}

function paymentsServices(
  { config, db, logger }: ModuleBackends,
  { channels }: ServicesOf<typeof channelsModule>,
) {
  const ledgerReads = new LedgerRepository(db);
  const ledger = new LedgerService({ db, ledger: ledgerReads });
  const providers = configuredProviders(config.payments);
  const paymentRows = new PaymentsRepository(db);
  const subscriptionRows = new SubscriptionsRepository(db);
  const subscriptions = new SubscriptionsService({
    db,
    subscriptions: subscriptionRows,
    ledger,
    channels,
    providers,
    connectedAccount: (channelId, provider) => paymentRows.connectedAccount(channelId, provider),
    settings: config.payments,
    publicUrl: config.publicUrl,
    logger,
  });
  const connect = new ConnectService({
    connect: new ConnectRepository(db),
    ledger,
    channels,
    providers,
    publicUrl: config.publicUrl,
    logger,
  });
  const payments = new PaymentsService({
    db,
    payments: paymentRows,
    ledger,
    ledgerReads,
    channels,
    providers,
    settings: config.payments,
    publicUrl: config.publicUrl,
    logger,
    subscriptions,
    connect,
    webhookBatch: config.payments.webhookBatch,
  });
  const reconciliation = new ReconciliationService({
    reconciliation: new ReconciliationRepository(db),
    providers,
  });
  const expiryNotices = new SubscriptionExpiryNotices({ db, subscriptions: subscriptionRows });
  return { ledger, payments, subscriptions, connect, reconciliation, expiryNotices };
}

const paymentsMounts = () =>
  [mount('/api/v1/payments', paymentRoutes()), mount('/api/v1/payments', connectRoutes())] as const;

interface PaymentsRoutes {
  mounts: ReturnType<typeof paymentsMounts>;
}

export const paymentsModule: DomainModule<
  'payments',
  ServicesOf<typeof channelsModule>,
  ReturnType<typeof paymentsServices>,
  PaymentsRoutes
> = {
  name: 'payments',
  dependsOn: [channelsModule],
  services: paymentsServices,
  routes: paymentsMounts,
  consumers: ({ payments }) => paymentsConsumers({ payments }),
  timers: ({ payments, subscriptions, expiryNotices }, { logger }) => {
    const stops = [
      redriveWebhooksAtStart(payments, logger),
      startSubscriptionExpirySweep(subscriptions, logger),
      startSubscriptionExpiryNotices(expiryNotices, logger),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  },
};
