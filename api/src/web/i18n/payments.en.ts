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
