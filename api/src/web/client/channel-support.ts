/**
 * The channel page's Tip and Subscribe buttons (pages/channel-support.tsx): each starts the payments API's
 * checkout and sends the browser to the provider's hosted page; a signed-out viewer is sent to sign in.
 */
import type { SubscriptionCheckout, TipCheckout } from '@streamhub/contracts/payments';
import { minorDigits, paymentsText as t } from '../i18n/payments.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch, isSignedIn } from './auth-session.ts';
import { field, onSubmit, report, setBusy } from './forms.ts';
import { element } from './page-data.ts';

export function startChannelSupport(slug: string): void {
  if (!document.getElementById('channel-support')) return;
  if (document.getElementById('tip-button')) startTip(slug);
  if (document.getElementById('subscribe-button')) startSubscribe(slug);
}

/** A signed-out viewer goes to sign in and comes back; false then. */
function signedInOrSent(): boolean {
  if (isSignedIn()) return true;
  location.assign(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
  return false;
}

/**
 * The button shows or hides the panel it controls; Escape, in the panel or on the button, closes it and
 * gives the focus back to the button.
 */
function toggles(button: HTMLButtonElement, panel: HTMLElement, onOpen: () => void): void {
  const show = (open: boolean) => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => {
    if (!signedInOrSent()) return;
    show(panel.hidden);
    if (!panel.hidden) onOpen();
  });
  const close = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || panel.hidden) return;
    show(false);
    button.focus();
  };
  button.addEventListener('keydown', close);
  panel.addEventListener('keydown', close);
}

const postJson = (path: string, body: unknown) =>
  authFetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

function startTip(slug: string): void {
  const form = element('tip-form', HTMLFormElement);
  const amount = element('tip-amount', HTMLInputElement);
  toggles(element('tip-button', HTMLButtonElement), element('tip-panel', HTMLDivElement), () =>
    amount.focus(),
  );
  onSubmit(
    form,
    async (data) => {
      const currency = field(data, 'currency');
      // The form takes the amount as people write it (5.50); the API takes minor units (550).
      const minor = Math.round(Number(field(data, 'amount')) * 10 ** minorDigits(currency));
      if (!Number.isFinite(minor) || minor <= 0) return { error: t.badAmount };
      const message = field(data, 'message').trim();
      const response = await postJson('/api/v1/payments/tips', {
        channel: slug,
        amount: minor,
        currency,
        ...(message ? { message } : {}),
      });
      if (!response.ok) return { error: await problemMessage(response, t.tipFailed) };
      const checkout = (await response.json()) as TipCheckout;
      if (!checkout.checkoutUrl) return { error: `${t.tipFailed}.` };
      location.assign(checkout.checkoutUrl);
      return { done: t.redirecting };
    },
    'tip',
  );
}

function startSubscribe(slug: string): void {
  const panel = element('tiers-panel', HTMLDivElement);
  toggles(element('subscribe-button', HTMLButtonElement), panel, () => undefined);
  for (const button of panel.querySelectorAll<HTMLButtonElement>('button[data-tier]')) {
    button.addEventListener('click', () => {
      if (!signedInOrSent() || button.getAttribute('aria-disabled') === 'true') return;
      setBusy(button, true);
      report({ done: t.redirecting }, 'subscribe');
      postJson('/api/v1/payments/subscriptions', { channel: slug, tier: button.dataset.tier })
        .then(async (response) => {
          if (!response.ok) {
            report({ error: await problemMessage(response, t.subscribeFailed) }, 'subscribe');
            return;
          }
          location.assign(((await response.json()) as SubscriptionCheckout).checkoutUrl);
        })
        .catch(() => report({ error: `${t.subscribeFailed}.` }, 'subscribe'))
        .finally(() => setBusy(button, false));
    });
  }
}
