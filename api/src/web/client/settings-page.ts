/** `/settings`: fills the forms from the account and saves each through the API. */
import type { UserSession, UserSessionList } from '@streamhub/contracts/auth';
import type { MyAccount } from '@streamhub/contracts/users';
import { clientText as t } from '../i18n/en.ts';
import { showAccount } from './account-menu.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch, forgetSession, isSignedIn } from './auth-session.ts';
import { field, onSubmit, report } from './forms.ts';
import { pageAccount } from './my-account.ts';
import { element } from './page-data.ts';
import { actionButton, textElement } from './workspace.ts';

export async function startSettingsPage(): Promise<void> {
  if (!isSignedIn()) {
    location.replace(`/sign-in?next=${encodeURIComponent('/settings')}`);
    return;
  }
  const displayName = element('profile-display-name', HTMLInputElement);
  const bio = element('profile-bio', HTMLTextAreaElement);
  const avatar = element('avatar-image', HTMLImageElement);
  const avatarFile = element('avatar-file', HTMLInputElement);
  const removeAvatar = element('avatar-remove', HTMLButtonElement);

  const show = (account: MyAccount) => {
    displayName.value = account.displayName ?? '';
    bio.value = account.bio ?? '';
    avatar.hidden = account.avatar === null;
    removeAvatar.hidden = account.avatar === null;
    if (account.avatar) avatar.src = account.avatar.large;
  };
  /** The account from an answer, shown; or the API's problem. */
  const accountFrom = async (response: Response, done: string) => {
    if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
    const account = (await response.json()) as MyAccount;
    show(account);
    showAccount(account);
    return { done };
  };

  onSubmit(
    element('profile-form', HTMLFormElement),
    async (data) => {
      // Empty clears the field (null), as the API asks.
      const name = field(data, 'displayName').trim();
      const about = field(data, 'bio').trim();
      const response = await authFetch('/api/v1/me', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ displayName: name || null, bio: about || null }),
      });
      return accountFrom(response, t.profileSaved);
    },
    'profile',
  );

  onSubmit(
    element('avatar-form', HTMLFormElement),
    async () => {
      const file = avatarFile.files?.[0];
      if (!file) return { error: t.chooseImage };
      const body = new FormData();
      body.append('file', file);
      return accountFrom(await authFetch('/api/v1/me/avatar', { method: 'PUT', body }), t.avatarSaved);
    },
    'avatar',
  );
  removeAvatar.addEventListener('click', () => {
    void authFetch('/api/v1/me/avatar', { method: 'DELETE' })
      .then((response) => accountFrom(response, t.avatarRemoved))
      .then(
        (outcome) => report(outcome, 'avatar'),
        () => report({ error: t.unreachable }, 'avatar'),
      );
  });

  const passwordForm = element('password-form', HTMLFormElement);
  onSubmit(
    passwordForm,
    async (data) => {
      const newPassword = field(data, 'newPassword');
      if (newPassword !== field(data, 'confirm')) return { error: t.passwordsDiffer };
      const response = await authFetch('/api/v1/auth/password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ currentPassword: field(data, 'currentPassword'), newPassword }),
      });
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      passwordForm.reset();
      return { done: t.passwordChanged };
    },
    'password',
  );

  const sessions = startSessionList();
  element('sign-out-others', HTMLButtonElement).addEventListener('click', () => {
    void authFetch('/api/v1/auth/logout-others', { method: 'POST' }).then(
      async (response) => {
        report(
          response.ok ? { done: t.othersSignedOut } : { error: await problemMessage(response, t.saveFailed) },
          'sessions',
        );
        await sessions.reload();
      },
      () => report({ error: t.unreachable }, 'sessions'),
    );
  });

  element('sign-out-everywhere', HTMLButtonElement).addEventListener('click', () => {
    void authFetch('/api/v1/auth/logout-all', { method: 'POST' }).then(
      async (response) => {
        if (!response.ok && response.status !== 401) {
          report({ error: await problemMessage(response, t.saveFailed) }, 'sessions');
          return;
        }
        forgetSession();
        location.assign('/sign-in');
      },
      () => report({ error: t.unreachable }, 'sessions'),
    );
  });

  const response = await pageAccount();
  if (response.ok) {
    show((await response.json()) as MyAccount);
    await sessions.reload();
  } else if (response.status === 401) location.replace(`/sign-in?next=${encodeURIComponent('/settings')}`);
}

/** The account's live sessions, this one first and marked, each with a button that ends it. */
function startSessionList(): { reload: () => Promise<void> } {
  const list = element('sessions', HTMLUListElement);
  const end = async (session: UserSession) => {
    const response = await authFetch(`/api/v1/auth/sessions/${session.id}`, { method: 'DELETE' });
    if (session.current && (response.ok || response.status === 401)) {
      forgetSession();
      location.assign('/sign-in');
      return;
    }
    report(
      response.ok ? { done: t.sessionEnded } : { error: await problemMessage(response, t.saveFailed) },
      'sessions',
    );
    await reload();
  };
  const item = (session: UserSession) => {
    const client = session.userAgent ?? t.unknownClient;
    const li = document.createElement('li');
    const name = textElement('strong', session.current ? `${t.thisSession}: ${client}` : client);
    const details = textElement('span', t.sessionDetails(t.formatDateTime(session.lastUsedAt), session.ip));
    li.append(name, document.createElement('br'), details, ' ');
    li.append(actionButton(t.endSession, () => void end(session), t.endSessionLabel(client)));
    return li;
  };
  const reload = async () => {
    const response = await authFetch('/api/v1/auth/sessions');
    if (!response.ok) return;
    const { items } = (await response.json()) as UserSessionList;
    const ordered = [
      ...items.filter((session) => session.current),
      ...items.filter((session) => !session.current),
    ];
    list.replaceChildren(...ordered.map(item));
  };
  return { reload };
}
