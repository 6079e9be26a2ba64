/** @jsxImportSource hono/jsx */
/**
 * The channel page's Tip and Subscribe buttons (docs/payments.md). Rendered only when the instance takes
 * payments, so the page never asks an API that would answer 503; the island (client/channel-support.ts)
 * starts the checkout and sends the browser to the provider's page.
 */
import type { Tier } from '@streamhub/contracts/payments';
import { TIP_MESSAGE_MAX } from '@streamhub/contracts/payments';
import { formatMoney, paymentsText as t } from '../i18n/payments.en.ts';
import { Outcome } from './form-parts.tsx';

/** What the channel can be paid in: tip currencies with a hosted checkout, and its active tiers. */
export interface ChannelSupportOffer {
  tipCurrencies: string[];
  tiers: Tier[];
}

export function ChannelSupport({ offer }: { offer: ChannelSupportOffer }) {
  const canTip = offer.tipCurrencies.length > 0;
  const canSubscribe = offer.tiers.length > 0;
  if (!canTip && !canSubscribe) return null;
  return (
    <section id="channel-support" class="channel-support" aria-label={t.supportLabel}>
      <div class="actions">
        {canTip && (
          <button
            id="tip-button"
            type="button"
            class="secondary"
            aria-expanded="false"
            aria-controls="tip-panel"
          >
            {t.tip}
          </button>
        )}
        {canSubscribe && (
          <button
            id="subscribe-button"
            type="button"
            class="secondary"
            aria-expanded="false"
            aria-controls="tiers-panel"
          >
            {t.subscribe}
          </button>
        )}
      </div>
      {canTip && (
        <div id="tip-panel" class="panel" hidden>
          <h2>{t.tipHeading}</h2>
          <form id="tip-form" class="stacked" method="post">
            <label for="tip-amount">{t.amount}</label>
            <input
              id="tip-amount"
              name="amount"
              type="number"
              min="0"
              step="any"
              inputmode="decimal"
              required
            />
            <label for="tip-currency">{t.currency}</label>
            <select id="tip-currency" name="currency">
              {offer.tipCurrencies.map((currency) => (
                <option value={currency}>{currency.toUpperCase()}</option>
              ))}
            </select>
            <label for="tip-note">{t.tipMessage}</label>
            <textarea id="tip-note" name="message" rows={2} maxlength={TIP_MESSAGE_MAX} />
            <button type="submit">{t.sendTip}</button>
          </form>
          <Outcome id="tip" />
        </div>
      )}
      {canSubscribe && (
        <div id="tiers-panel" class="panel" hidden>
          <h2>{t.tiersHeading}</h2>
          <ul class="plain-list">
            {offer.tiers.map((tier) => {
              const price = formatMoney(tier.price, tier.currency);
              return (
                <li>
                  <button type="button" data-tier={tier.id}>
                    {t.subscribeTo(tier.name, price)}
                  </button>
                </li>
              );
            })}
          </ul>
          <Outcome id="subscribe" />
        </div>
      )}
    </section>
  );
}
