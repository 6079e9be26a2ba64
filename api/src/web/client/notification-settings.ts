/** `/settings/notifications`: fills the preferences table and saves each switch, the digest and unmutes. */
import type { NotificationPreferences, TypePreference } from '@streamhub/contracts/notifications';
import { notificationKindNames, notificationsUiText as t } from '../i18n/notifications.en.ts';
import { authFetch, isSignedIn } from './auth-session.ts';
import { element } from './page-data.ts';

const BITS = ['inApp', 'email', 'push'] as const;

export async function startNotificationSettings(): Promise<void> {
  if (!isSignedIn()) {
    location.replace(`/sign-in?next=${encodeURIComponent('/settings/notifications')}`);
    return;
  }
  const rows = element('notification-types', HTMLTableSectionElement);
  const digest = element('notification-digest', HTMLSelectElement);
  const mutes = element('notification-mutes', HTMLUListElement);
  const status = element('notification-settings-status', HTMLParagraphElement);
  const saved = (response: Response) => {
    status.textContent = response.ok ? t.saved : t.saveFailed;
  };

  const response = await authFetch('/api/v1/notifications/preferences');
  if (!response.ok) {
    status.textContent = t.saveFailed;
    return;
  }
  const preferences = (await response.json()) as NotificationPreferences;
  const row = (preference: TypePreference) => {
    const tr = document.createElement('tr');
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = notificationKindNames[preference.type];
    tr.append(name);
    for (const bit of BITS) {
      const cell = document.createElement('td');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = preference[bit];
      box.disabled = preference.locked && bit !== 'push';
      box.setAttribute('aria-label', `${notificationKindNames[preference.type]}: ${t[bit]}`);
      box.addEventListener('change', () => {
        void authFetch(`/api/v1/notifications/preferences/types/${preference.type}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ [bit]: box.checked }),
        }).then(saved);
      });
      cell.append(box);
      tr.append(cell);
    }
    return tr;
  };
  rows.replaceChildren(...preferences.types.map(row));

  digest.value = preferences.emailDigest;
  digest.addEventListener('change', () => {
    void authFetch('/api/v1/notifications/preferences/email-digest', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ emailDigest: digest.value }),
    }).then(saved);
  });

  if (preferences.mutedChannels.length === 0) {
    const none = document.createElement('li');
    none.textContent = t.noMuted;
    mutes.append(none);
  }
  for (const muted of preferences.mutedChannels) {
    const entry = document.createElement('li');
    const link = document.createElement('a');
    link.href = `/c/${muted.slug}`;
    link.textContent = muted.slug;
    const unmute = document.createElement('button');
    unmute.type = 'button';
    unmute.textContent = t.unmute;
    unmute.addEventListener('click', () => {
      void authFetch(`/api/v1/notifications/preferences/muted-channels/${muted.slug}`, {
        method: 'DELETE',
      }).then((answer) => {
        saved(answer);
        if (answer.ok) entry.remove();
      });
    });
    entry.append(link, ' ', unmute);
    mutes.append(entry);
  }
}
