/**
 * `/studio/earnings`: the owner's balance per currency, the newest ledger lines, the full ledger as a CSV
 * download (fetched with the access token, which a plain link could not carry), the Stripe Connect
 * onboarding (a button to Stripe's form; back from it, the account is read again) with the payouts, and
 * the channel's subscription tiers: add one, deactivate or reactivate it.
 */
import type {
  ConnectStatus,
  Earnings,
  LedgerLinePage,
  OnboardingStarted,
  PayoutPage,
  Tier,
  TierList,
} from '@streamhub/contracts/payments';
import { formatMoney, minorDigits, earningsText as t } from '../i18n/payments.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { field, onSubmit, report } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, myChannel, sendJson, showNotice, textElement } from './workspace.ts';

const RECENT_LINES = 20;

export async function startStudioEarningsPage(): Promise<void> {
  if (!(await myChannel())) return;
  await Promise.all([loadEarnings(), startTiers(), startPayouts()]);
  element('ledger-export', HTMLButtonElement).addEventListener('click', () => void downloadLedger());
  element('payouts-export', HTMLButtonElement).addEventListener(
    'click',
    () => void download('/api/v1/payments/payouts/export', 'payouts.csv', 'payouts'),
  );
}

async function startPayouts(): Promise<void> {
  // Stripe sends the creator back with ?connect=return (read the account again: its webhook may lag)
  // or ?connect=refresh (the link expired or was used: open a new one at once).
  const back = new URLSearchParams(window.location.search).get('connect');
  if (back === 'refresh') {
    await openOnboarding();
    return;
  }
  const [status, payouts] = await Promise.all([
    back === 'return'
      ? sendJson('/api/v1/payments/connect/refresh', 'POST')
      : authFetch('/api/v1/payments/connect'),
    authFetch('/api/v1/payments/payouts?limit=20'),
  ]);
  if (!status.ok || !payouts.ok) {
    showNotice(await problemMessage(status.ok ? payouts : status, t.loadFailed));
    return;
  }
  const connect = (await status.json()) as ConnectStatus;
  const { items } = (await payouts.json()) as PayoutPage;
  element('connect-state', HTMLParagraphElement).textContent =
    connect.state === 'none'
      ? t.connectNone
      : connect.state === 'pending'
        ? t.connectPending
        : t.connectEnabled(connect.payoutsEnabled);
  const button = element('connect-onboarding', HTMLButtonElement);
  button.textContent =
    connect.state === 'none'
      ? t.startOnboarding
      : connect.state === 'pending'
        ? t.continueOnboarding
        : t.updateDetails;
  button.addEventListener('click', () => void openOnboarding());
  element('payouts', HTMLTableSectionElement).replaceChildren(
    ...items.map((payout) => {
      const row = document.createElement('tr');
      row.append(
        textElement('td', new Date(payout.createdAt).toLocaleString()),
        textElement('td', formatMoney(payout.amount, payout.currency)),
        textElement('td', payout.status === 'paid' ? t.paid : t.failed),
        textElement('td', payout.arrivalDate ? new Date(payout.arrivalDate).toLocaleDateString() : '-'),
      );
      return row;
    }),
  );
  element('no-payouts', HTMLParagraphElement).hidden = items.length > 0;
  element('payouts-section', HTMLElement).hidden = false;
}

/** Asks for a fresh onboarding link and sends the browser to Stripe's form. */
async function openOnboarding(): Promise<void> {
  const response = await sendJson('/api/v1/payments/connect/onboarding', 'POST');
  if (!response.ok) {
    element('payouts-section', HTMLElement).hidden = false;
    report({ error: await problemMessage(response, t.onboardingFailed) }, 'payouts');
    return;
  }
  const { url } = (await response.json()) as OnboardingStarted;
  window.location.assign(url);
}

async function download(path: string, name: string, outcome: string): Promise<void> {
  const response = await authFetch(path);
  if (!response.ok) {
    report({ error: await problemMessage(response, t.exportFailed) }, outcome);
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

async function loadEarnings(): Promise<void> {
  const [earnings, lines] = await Promise.all([
    authFetch('/api/v1/payments/earnings'),
    authFetch(`/api/v1/payments/ledger?limit=${RECENT_LINES}`),
  ]);
  if (!earnings.ok || !lines.ok) {
    showNotice(await problemMessage(earnings.ok ? lines : earnings, t.loadFailed));
    return;
  }
  const { balances } = (await earnings.json()) as Earnings;
  const { items } = (await lines.json()) as LedgerLinePage;
  element('balances', HTMLUListElement).replaceChildren(
    ...balances.map((balance) =>
      textElement('li', t.balanceLine(formatMoney(balance.balance, balance.currency), balance.lines)),
    ),
  );
  element('no-balances', HTMLParagraphElement).hidden = balances.length > 0;
  element('ledger-lines', HTMLTableSectionElement).replaceChildren(
    ...items.map((line) => {
      const row = document.createElement('tr');
      row.append(
        textElement('td', new Date(line.createdAt).toLocaleString()),
        textElement('td', line.kind),
        textElement('td', formatMoney(line.amount, line.currency)),
        textElement('td', formatMoney(line.balanceAfter, line.currency)),
      );
      return row;
    }),
  );
  element('no-ledger-lines', HTMLParagraphElement).hidden = items.length > 0;
  element('earnings', HTMLElement).hidden = false;
}

function downloadLedger(): Promise<void> {
  return download('/api/v1/payments/ledger/export', 'ledger.csv', 'earnings');
}

async function startTiers(): Promise<void> {
  const body = element('tiers', HTMLTableSectionElement);
  const load = async () => {
    const response = await authFetch('/api/v1/payments/tiers');
    if (!response.ok) {
      showNotice(await problemMessage(response, t.loadFailed));
      return;
    }
    const { items } = (await response.json()) as TierList;
    body.replaceChildren(...items.map(row));
    element('no-tiers', HTMLParagraphElement).hidden = items.length > 0;
    element('tiers-section', HTMLElement).hidden = false;
  };
  const row = (tier: Tier) => {
    const tr = document.createElement('tr');
    const action = tier.active ? t.deactivate : t.activate;
    const actions = document.createElement('td');
    actions.append(
      actionButton(
        action,
        () =>
          void sendJson(`/api/v1/payments/tiers/${tier.id}`, 'PATCH', { active: !tier.active }).then(
            async (response) => {
              report(
                response.ok
                  ? { done: t.tierChanged }
                  : { error: await problemMessage(response, t.tierFailed) },
                'tiers',
              );
              await load();
            },
          ),
        t.toggleLabel(action, tier.name),
      ),
    );
    tr.append(
      textElement('td', tier.name),
      textElement('td', formatMoney(tier.price, tier.currency)),
      textElement('td', tier.active ? t.active : t.inactive),
      actions,
    );
    return tr;
  };
  onSubmit(
    element('tier-form', HTMLFormElement),
    async (data) => {
      const currency = field(data, 'currency');
      // Typed as people write prices (4.99); the API takes minor units (499).
      const price = Math.round(Number(field(data, 'price')) * 10 ** minorDigits(currency));
      if (!Number.isFinite(price) || price <= 0) return { error: t.badPrice };
      const response = await sendJson('/api/v1/payments/tiers', 'POST', {
        name: field(data, 'name').trim(),
        price,
        currency,
      });
      if (!response.ok) return { error: await problemMessage(response, t.tierFailed) };
      await load();
      return { done: t.tierAdded };
    },
    'tiers',
  );
  await load();
}
