/** @jsxImportSource hono/jsx */
/**
 * `/settings/notifications`: per kind, in-app, email and push switches (security notices locked on), the
 * email digest and the muted channels. The server renders the empty table; the island fills it from
 * `GET /api/v1/notifications/preferences` and saves each change.
 */
import { notificationsUiText as t } from '../i18n/notifications.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Shell } from './shell.tsx';

export function notificationSettingsPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.preferencesTitle} data={{ page: 'notification-settings' }}>
      <div class="account settings">
        <h1>{t.preferencesTitle}</h1>
        <p>{t.preferencesIntro}</p>
        <table class="notification-preferences">
          <thead>
            <tr>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.inApp}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.push}</th>
            </tr>
          </thead>
          <tbody id="notification-types" />
        </table>
        <p>
          <small>{t.locked}</small>
        </p>
        <label for="notification-digest">{t.digest}</label>
        <select id="notification-digest">
          {(['off', 'hourly', 'daily'] as const).map((value) => (
            <option value={value}>{t.digestOptions[value]}</option>
          ))}
        </select>
        <h2>{t.muted}</h2>
        <ul id="notification-mutes" />
        <p id="notification-settings-status" role="status" />
      </div>
    </Shell>
  );
}
