/** What the studio and admin islands share: who the reader is, the owner's channel, small DOM helpers. */
import type { Channel } from '@streamhub/contracts/channels';
import type { MyAccount } from '@streamhub/contracts/users';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch, isSignedIn } from './auth-session.ts';
import { pageAccount } from './my-account.ts';
import { element } from './page-data.ts';

/** Says why the page shows nothing (signed out, not allowed, failed to load). */
export function showNotice(text: string): void {
  element('workspace-notice', HTMLParagraphElement).textContent = text;
}

/** The signed-in account, or undefined after sending a signed-out reader to sign in and back. */
export async function signedInAccount(): Promise<MyAccount | undefined> {
  const toSignIn = () => location.replace(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
  if (!isSignedIn()) {
    toSignIn();
    return undefined;
  }
  const response = await pageAccount();
  if (response.status === 401) {
    toSignIn();
    return undefined;
  }
  if (!response.ok) {
    showNotice(await problemMessage(response, t.loadFailed));
    return undefined;
  }
  return (await response.json()) as MyAccount;
}

/** The reader's account and channel; undefined (with a notice) when they have no channel. */
export async function myChannel(): Promise<{ account: MyAccount; channel: Channel } | undefined> {
  const account = await signedInAccount();
  if (!account) return undefined;
  const response = await authFetch('/api/v1/me/channel');
  if (response.ok) return { account, channel: (await response.json()) as Channel };
  showNotice(response.status === 404 ? t.noChannelYet : await problemMessage(response, t.loadFailed));
  return undefined;
}

/** The admin's account; undefined (with a notice) for anyone else. */
export async function adminAccount(): Promise<MyAccount | undefined> {
  const account = await signedInAccount();
  if (account && account.role !== 'admin') {
    showNotice(t.notAdmin);
    return undefined;
  }
  return account;
}

/** Sends JSON with the session's token. */
export function sendJson(path: string, method: string, body?: unknown): Promise<Response> {
  return authFetch(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

/** A table cell (or any element) holding `text` as text, never as markup. */
export function textElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

/** A button whose visible text may be short; `label` names it for a screen reader when given. */
export function actionButton(
  text: string,
  onClick: () => void,
  label?: string,
  secondary = true,
): HTMLButtonElement {
  const button = textElement('button', text);
  button.type = 'button';
  if (secondary) button.className = 'secondary';
  if (label) button.setAttribute('aria-label', label);
  button.addEventListener('click', onClick);
  return button;
}

/** Every `[data-copy=<input id>]` button copies that field's value, and says so. */
export function startCopyButtons(report: (text: string) => void): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', () => {
      const field = element(button.dataset.copy ?? '', HTMLInputElement);
      navigator.clipboard.writeText(field.value).then(
        () => report(t.copied),
        () => {
          field.select();
          report(t.copyFailed);
        },
      );
    });
  }
}
