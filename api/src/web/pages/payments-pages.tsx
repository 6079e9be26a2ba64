/** @jsxImportSource hono/jsx */
/**
 * `/studio/earnings`: the channel's balance per currency, its recent ledger lines, the CSV export, its
 * Stripe Connect onboarding and payouts, and its subscription tiers (docs/payments.md). The server renders the frame; the island
 * (client/studio-earnings.ts) loads the reader's figures and edits tiers through the payments API.
 */
import { earningsText as t } from '../i18n/payments.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Outcome } from './form-parts.tsx';
import { Workspace } from './workspace-layout.tsx';

export const EARNINGS_PATH = '/studio/earnings';

export function studioEarningsPage(assets: WebAssets, currencies: string[]) {
  return (
    <Workspace assets={assets} kind="studio" path={EARNINGS_PATH} heading={t.heading}>
      <section id="earnings" class="panel" aria-labelledby="balances-heading" hidden>
        <h2 id="balances-heading">{t.balancesHeading}</h2>
        <ul id="balances" class="plain-list" />
        <p id="no-balances" class="empty" hidden>
          {t.noBalances}
        </p>
        <h2 id="ledger-heading">{t.ledgerHeading}</h2>
        <table class="data-table">
          <caption class="visually-hidden">{t.ledgerHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.date}</th>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.amount}</th>
              <th scope="col">{t.balanceAfter}</th>
            </tr>
          </thead>
          <tbody id="ledger-lines" />
        </table>
        <p id="no-ledger-lines" class="empty" hidden>
          {t.noLines}
        </p>
        <button id="ledger-export" type="button" class="secondary">
          {t.exportCsv}
        </button>
        <Outcome id="earnings" />
      </section>
      <section id="payouts-section" class="panel" aria-labelledby="payouts-heading" hidden>
        <h2 id="payouts-heading">{t.payoutsHeading}</h2>
        <p id="connect-state" />
        <button id="connect-onboarding" type="button">
          {t.startOnboarding}
        </button>
        <table class="data-table">
          <caption class="visually-hidden">{t.payoutsHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.payoutDate}</th>
              <th scope="col">{t.amount}</th>
              <th scope="col">{t.payoutStatus}</th>
              <th scope="col">{t.arrival}</th>
            </tr>
          </thead>
          <tbody id="payouts" />
        </table>
        <p id="no-payouts" class="empty" hidden>
          {t.noPayouts}
        </p>
        <button id="payouts-export" type="button" class="secondary">
          {t.exportPayouts}
        </button>
        <Outcome id="payouts" />
      </section>
      <section id="tiers-section" class="panel" aria-labelledby="tiers-heading" hidden>
        <h2 id="tiers-heading">{t.tiersHeading}</h2>
        <table class="data-table">
          <caption class="visually-hidden">{t.tiersHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.price}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody id="tiers" />
        </table>
        <p id="no-tiers" class="empty" hidden>
          {t.noTiers}
        </p>
        <h3>{t.addTierHeading}</h3>
        <form id="tier-form" class="stacked" method="post">
          <label for="tier-name">{t.name}</label>
          <input id="tier-name" name="name" required maxlength={50} />
          <label for="tier-price">{t.price}</label>
          <input id="tier-price" name="price" type="number" min="0" step="any" inputmode="decimal" required />
          <label for="tier-currency">{t.currency}</label>
          <select id="tier-currency" name="currency">
            {currencies.map((currency) => (
              <option value={currency}>{currency.toUpperCase()}</option>
            ))}
          </select>
          <button type="submit">{t.addTier}</button>
        </form>
        <Outcome id="tiers" />
      </section>
    </Workspace>
  );
}
