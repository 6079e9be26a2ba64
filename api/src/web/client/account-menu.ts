/**
 * The header's account menu on every page: "Sign in / Sign up", or the account's name, "Studio",
 * "Admin" (admins only), "Settings" and "Sign out".
 */
import type { MyAccount } from '@streamhub/contracts/users';
import { clientText as t } from '../i18n/en.ts';
import { authFetch, isSignedIn, onSessionChange, signOut } from './auth-session.ts';
import { pageAccount } from './my-account.ts';
import { element } from './page-data.ts';

let shown: string | undefined;

/** Shows the account in the header (after sign-in, or when settings change its name); undefined: signed out. */
export function showAccount(account: MyAccount | undefined): void {
  shown = account?.id;
  element('account-signed-out', HTMLDivElement).hidden = account !== undefined;
  element('account-signed-in', HTMLDivElement).hidden = account === undefined;
  const name = element('account-name', HTMLSpanElement);
  name.textContent = account ? (account.displayName ?? account.username) : '';
  name.title = account ? t.signedInAs(`@${account.username}`) : '';
  element('account-admin', HTMLAnchorElement).hidden = account?.role !== 'admin';
}

export function startAccountMenu(): void {
  // As the page opens, the account the page's island asks for too; after a sign-in, a fresh one.
  let asking = false;
  const render = async (asked: () => Promise<Response>) => {
    if (!isSignedIn()) {
      showAccount(undefined);
      return;
    }
    // Asking until the answer is shown, body read included: a renewal landing while the body is read
    // found neither the account shown nor a request on its way, and asked a second time.
    asking = true;
    try {
      const response = await asked().catch(() => undefined);
      if (response?.ok) showAccount((await response.json()) as MyAccount);
      else if (response && (response.status === 401 || response.status === 403)) showAccount(undefined);
    } finally {
      asking = false;
    }
  };
  // A renewal changes the token, not the account: ask again only when it signs in or out. A token
  // that arrives while the page's own request is on its way (a reload renews the session first) is
  // answered by that request, not by a second one.
  onSessionChange((token) => {
    if (token === undefined || (shown === undefined && !asking)) void render(() => authFetch('/api/v1/me'));
  });
  void render(pageAccount);

  element('sign-out', HTMLButtonElement).addEventListener('click', () => {
    void signOut().then(() => location.assign('/'));
  });
}
