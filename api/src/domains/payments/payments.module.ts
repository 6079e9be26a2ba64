/**
 * The payments domain's module: tips through the configured providers, their webhooks handled by a
 * durable consumer, the double-entry ledger and the creators' earnings read from it.
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
import { LedgerRepository } from './ledger.repository.ts';
import { LedgerService } from './ledger.service.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { PaymentsRepository } from './payments.repository.ts';
import { paymentRoutes } from './payments.routes.ts';
import { PaymentsService } from './payments.service.ts';
import { paymentsConsumers } from './payments-consumers.ts';
import { StripeProvider } from './stripe-provider.ts';

/** The providers the settings turn on. */
export function configuredProviders(settings: PaymentsConfig): Map<PaymentProviderName, PaymentProvider> {
  const providers = new Map<PaymentProviderName, PaymentProvider>();
  if (settings.stripe) providers.set('stripe', new StripeProvider(settings.stripe));
  return providers;
}

function paymentsServices(
  { config, db, logger }: ModuleBackends,
  { channels }: ServicesOf<typeof channelsModule>,
) {
  const ledgerReads = new LedgerRepository(db);
  const ledger = new LedgerService({ db, ledger: ledgerReads });
  const payments = new PaymentsService({
    db,
    payments: new PaymentsRepository(db),
    ledger,
    ledgerReads,
    channels,
    providers: configuredProviders(config.payments),
    settings: config.payments,
    publicUrl: config.publicUrl,
    logger,
  });
  return { ledger, payments };
}

const paymentsMounts = () => [mount('/api/v1/payments', paymentRoutes())] as const;

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
};
