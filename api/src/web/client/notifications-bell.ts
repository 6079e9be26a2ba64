/**
 * The header's notification bell: the unread count, the feed (paged), "mark all read", new notifications
 * live over `/ws`, and the browser's Web Push switch (service worker `/notifications-sw.js`). Also starts
 * the preferences page's island when that page is open.
 */
import type { Notification, NotificationPage, UnreadCount } from '@streamhub/contracts/notifications';
import { notificationKinds, notificationsUiText as t } from '../i18n/notifications.en.ts';
import { accessToken, authFetch, isSignedIn, onSessionChange } from './auth-session.ts';
import { startNotificationSettings } from './notification-settings.ts';
import { element } from './page-data.ts';
import { connectRealtime } from './realtime-connection.ts';

const INSTANCE = document.title.split(' · ').at(-1) ?? '';

export function startNotificationsBell(): void {
  if (document.body.dataset.page === 'notification-settings') void startNotificationSettings();
  const toggle = document.getElementById('notifications-toggle');
  if (!(toggle instanceof HTMLButtonElement)) return;
  const panel = element('notifications-panel', HTMLElement);
  const list = element('notifications-list', HTMLOListElement);
  const count = element('notifications-count', HTMLSpanElement);
  const more = element('notifications-more', HTMLButtonElement);
  const status = element('notifications-status', HTMLParagraphElement);
  let unread = 0;
  let cursor: string | null = null;
  let started = false;
  // The feed's first page is loaded on the first opening, even when `/ws` frames already put newer
  // items in the list; an item both pushed and paged in is shown once.
  let firstPageAsked = false;
  const shown = new Set<string>();

  const showCount = () => {
    count.hidden = unread === 0;
    count.textContent = unread > 99 ? '99+' : String(unread);
    toggle.title = t.unread(unread);
  };
  const item = (notification: Notification) => {
    const words = notificationKinds[notification.type](notification.data, INSTANCE);
    const entry = document.createElement('li');
    entry.className =
      notification.readAt === null ? 'notification-item notification-unread' : 'notification-item';
    const link = document.createElement('a');
    link.href = notification.url;
    link.textContent = words.title;
    link.addEventListener('click', () => {
      void authFetch(`/api/v1/notifications/items/${notification.id}/read`, { method: 'POST' });
    });
    const body = document.createElement('p');
    body.textContent = words.body;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = t.remove;
    remove.addEventListener('click', () => {
      void authFetch(`/api/v1/notifications/items/${notification.id}`, { method: 'DELETE' }).then(() =>
        entry.remove(),
      );
    });
    entry.append(link, body, remove);
    return entry;
  };
  const loadPage = async () => {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const response = await authFetch(`/api/v1/notifications${query}`).catch(() => undefined);
    if (!response?.ok) {
      status.textContent = t.loadFailed;
      return;
    }
    const page = (await response.json()) as NotificationPage;
    const fresh = page.items.filter((notification) => !shown.has(notification.id));
    for (const notification of fresh) shown.add(notification.id);
    list.append(...fresh.map(item));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    status.textContent = list.childElementCount === 0 ? t.empty : '';
  };
  const refreshCount = async () => {
    const response = await authFetch('/api/v1/notifications/unread-count').catch(() => undefined);
    if (response?.ok) unread = ((await response.json()) as UnreadCount).unread;
    showCount();
  };

  const setOpen = (open: boolean) => {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !firstPageAsked) {
      firstPageAsked = true;
      void loadPage();
    }
  };
  toggle.addEventListener('click', () => setOpen(panel.hidden));
  // Escape closes the open panel from the button or from inside it, and gives the focus back to the
  // button, so a keyboard user is not left on an element that has just been hidden.
  for (const target of [toggle, panel]) {
    target.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || panel.hidden) return;
      event.preventDefault();
      setOpen(false);
      toggle.focus();
    });
  }
  more.addEventListener('click', () => void loadPage());
  element('notifications-read-all', HTMLButtonElement).addEventListener('click', () => {
    void authFetch('/api/v1/notifications/read-all', { method: 'POST' }).then(() => {
      unread = 0;
      showCount();
      for (const entry of list.querySelectorAll('.notification-unread'))
        entry.classList.remove('notification-unread');
    });
  });
  void setUpPush(element('notifications-push', HTMLButtonElement), status);

  const start = () => {
    if (started || !isSignedIn()) return;
    started = true;
    void refreshCount();
    // New notifications arrive on the account's own `/ws` frames, from whichever replica stored them.
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const connection = connectRealtime(url, {
      opened: () => {
        void accessToken().then((token) => {
          if (token) connection.send({ type: 'auth', token });
        });
        void refreshCount();
      },
      frame: (frame) => {
        if (frame.type !== 'notification' || shown.has(frame.notification.id)) return;
        shown.add(frame.notification.id);
        unread += 1;
        showCount();
        list.prepend(item(frame.notification));
        status.textContent = '';
      },
      closed: () => {},
    });
  };
  onSessionChange(() => start());
  start();
}

/** Offers push when the browser and the instance have it; registers this browser on a click. */
async function setUpPush(button: HTMLButtonElement, status: HTMLParagraphElement): Promise<void> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !isSignedIn()) return;
  const keyResponse = await fetch('/api/v1/notifications/push/vapid-public-key').catch(() => undefined);
  if (!keyResponse?.ok) return;
  const { publicKey } = (await keyResponse.json()) as { publicKey: string | null };
  if (!publicKey) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    void (async () => {
      if ((await Notification.requestPermission()) !== 'granted') {
        status.textContent = t.pushBlocked;
        return;
      }
      const registration = await navigator.serviceWorker.register('/notifications-sw.js');
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlBytes(publicKey),
      });
      const response = await authFetch('/api/v1/notifications/push/registrations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'webpush', ...subscription.toJSON() }),
      });
      status.textContent = response.ok ? t.pushOn : t.pushUnavailable;
      button.hidden = response.ok;
    })().catch(() => {
      status.textContent = t.pushUnavailable;
    });
  });
}

function base64UrlBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(value.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
