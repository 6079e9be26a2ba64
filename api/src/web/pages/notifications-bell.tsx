/** @jsxImportSource hono/jsx */
/**
 * The header's notification bell (signed-in header only): a button with the unread count and a panel
 * with the feed, "mark all read" and the browser's push switch. Empty on the server; the
 * `notifications-bell` island fills it, keeps it live over `/ws` and pages the feed.
 */
import { notificationsUiText as t } from '../i18n/notifications.en.ts';

export function NotificationsBell() {
  return (
    <div class="notifications-bell">
      <button
        id="notifications-toggle"
        type="button"
        aria-expanded="false"
        aria-controls="notifications-panel"
      >
        {/* Drawn, not the bell emoji: a system without an emoji font showed an empty box. */}
        <svg
          class="bell-icon"
          aria-hidden="true"
          width="18"
          height="18"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
          stroke-linejoin="round"
        >
          <path d="M6 17v-6a6 6 0 0 1 12 0v6l2 2H4z" />
          <path d="M10 21a2 2 0 0 0 4 0" />
        </svg>
        <span class="visually-hidden">{t.bell}</span>
        <span id="notifications-count" class="notifications-count" hidden />
      </button>
      <section id="notifications-panel" class="notifications-panel" aria-label={t.bell} hidden>
        <div class="notifications-actions">
          <button id="notifications-read-all" type="button">
            {t.markAllRead}
          </button>
          <button id="notifications-push" type="button" hidden>
            {t.enablePush}
          </button>
        </div>
        <p id="notifications-status" role="status" />
        <ol id="notifications-list" class="notifications-list" />
        <button id="notifications-more" type="button" hidden>
          …
        </button>
      </section>
    </div>
  );
}
