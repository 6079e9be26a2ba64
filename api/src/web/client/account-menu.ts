/** The header's account menu on every page: "Sign in / Sign up", or the account's name and "Sign out". */
import type { MyAccount } from '@streamhub/contracts/users';
import { clientText as t } from '../i18n/en.ts';
import { authFetch, isSignedIn, onSessionChange, signOut } from './auth-session.ts';
import { element } from './page-data.ts';

export function startAccountMenu(): void {
  const signedOut = element('account-signed-out', HTMLDivElement);
  const signedIn = element('account-signed-in', HTMLDivElement);
  const name = element('account-name', HTMLSpanElement);

  const show = (account: MyAccount | undefined) => {
    signedOut.hidden = account !== undefined;
    signedIn.hidden = account === undefined;
    name.textContent = account ? (account.displayName ?? account.username) : '';
    name.title = account ? t.signedInAs(`@${account.username}`) : '';
  };

  let shown: string | undefined;
  const render = async () => {
    if (!isSignedIn()) {
      shown = undefined;
      show(undefined);
      return;
    }
    const response = await authFetch('/api/v1/me').catch(() => undefined);
    if (response?.ok) {
      const account = (await response.json()) as MyAccount;
      shown = account.id;
      show(account);
    } else if (response && (response.status === 401 || response.status === 403)) {
      show(undefined);
    }
  };
  // A renewal changes the token, not the account: ask again only when it signs in or out.
  onSessionChange((token) => {
    if (token === undefined || shown === undefined) void render();
  });
  void render();

  element('sign-out', HTMLButtonElement).addEventListener('click', () => {
    void signOut().then(() => location.assign('/'));
  });
}
