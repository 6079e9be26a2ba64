/** The channel page's tip and subscribe words, for its page and its island (docs/payments.md). */
export const paymentsText = {
  supportLabel: 'Support this channel',
  tip: 'Tip',
  tipHeading: 'Send a tip',
  amount: 'Amount',
  currency: 'Currency',
  tipMessage: 'Message (optional)',
  sendTip: 'Continue to payment',
  subscribe: 'Subscribe',
  tiersHeading: 'Subscription tiers',
  subscribeTo: (tier: string, price: string) => `Subscribe to ${tier}, ${price} a month`,
  tipFailed: 'The tip could not be started',
  subscribeFailed: 'The subscription could not be started',
  badAmount: 'Enter an amount greater than zero.',
  redirecting: 'Opening the payment page…',
};

/** `500`, `usd` → `$5.00`: minor units shown in the currency's own format. */
export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() });
  return format.format(minor / 10 ** minorDigits(currency));
}

/** How many minor-unit digits a currency has (2 for usd, 0 for jpy), as Intl knows it. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/** The studio earnings page's words (`/studio/earnings`), for its page and its island. */
export const earningsText = {
  nav: 'Earnings',
  heading: 'Earnings',
  balancesHeading: 'Balance by currency',
  noBalances: 'No earnings yet.',
  balanceLine: (amount: string, lines: number) =>
    `${amount} (${lines} ledger ${lines === 1 ? 'line' : 'lines'})`,
  ledgerHeading: 'Recent ledger lines',
  date: 'Date',
  kind: 'Kind',
  amount: 'Amount',
  balanceAfter: 'Balance after',
  noLines: 'No ledger lines yet.',
  exportCsv: 'Download all lines as CSV',
  tiersHeading: 'Subscription tiers',
  name: 'Name',
  price: 'Price per month',
  currency: 'Currency',
  state: 'State',
  actions: 'Actions',
  active: 'Active',
  inactive: 'Inactive (takes no new subscribers)',
  noTiers: 'No tiers yet.',
  addTier: 'Add tier',
  addTierHeading: 'Add a tier',
  tierAdded: 'Tier added.',
  tierChanged: 'Tier changed.',
  deactivate: 'Deactivate',
  activate: 'Activate',
  toggleLabel: (action: string, tier: string) => `${action} ${tier}`,
  badPrice: 'Enter a price greater than zero.',
  loadFailed: 'The earnings could not be loaded',
  tierFailed: 'The tier could not be saved',
  exportFailed: 'The CSV could not be downloaded',
  payoutsHeading: 'Payouts',
  connectNone:
    'Tips and subscriptions are paid to the platform, which holds your share until you set up payouts with Stripe.',
  connectPending:
    'Your Stripe account is not ready to take payments yet: finish the onboarding, or wait while Stripe checks it.',
  connectEnabled: (payouts: boolean) =>
    payouts
      ? 'Your Stripe account receives your share of every tip and subscription, and Stripe pays it out to your bank.'
      : 'Your Stripe account receives your share of every tip and subscription; Stripe has not enabled payouts to your bank yet.',
  startOnboarding: 'Set up payouts with Stripe',
  continueOnboarding: 'Continue Stripe onboarding',
  updateDetails: 'Update your Stripe details',
  onboardingFailed: 'Stripe onboarding could not be started',
  payoutDate: 'Date',
  payoutStatus: 'Status',
  arrival: 'Expected at the bank',
  paid: 'Paid',
  failed: 'Failed (returned to your balance)',
  noPayouts: 'No payouts yet.',
  exportPayouts: 'Download all payouts as CSV',
};
