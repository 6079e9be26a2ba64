/** @jsxImportSource hono/jsx */
/**
 * `/settings`: profile, avatar, password, the signed-in sessions (each can be ended; "sign out everywhere
 * else", "sign out everywhere") and a link to the notification preferences. The server renders the empty forms;
 * the island fills them from `GET /api/v1/me` (the server does not know the reader) and sends a
 * signed-out reader to sign in first.
 */
import { BIO_MAX, DISPLAY_NAME_MAX } from '@streamhub/contracts/users';
import { pageText } from '../i18n/en.ts';
import type { WebAssets } from '../web-assets.ts';
import { NewPasswordFields, Outcome, PASSWORD_MIN, PasswordInput } from './form-parts.tsx';
import { Shell } from './shell.tsx';

const t = pageText.settings;

export function settingsPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.title} data={{ page: 'settings' }}>
      <div class="account settings">
        <h1>{t.heading}</h1>
        <section aria-labelledby="profile-heading">
          <h2 id="profile-heading">{t.profile}</h2>
          <form id="profile-form" method="post">
            <label for="profile-display-name">{t.displayName}</label>
            <input
              id="profile-display-name"
              name="displayName"
              maxlength={DISPLAY_NAME_MAX}
              autocomplete="nickname"
            />
            <label for="profile-bio">{t.bio}</label>
            <textarea id="profile-bio" name="bio" maxlength={BIO_MAX} rows={4} />
            <button type="submit">{t.saveProfile}</button>
          </form>
          <Outcome id="profile" />
        </section>
        <section aria-labelledby="avatar-heading">
          <h2 id="avatar-heading">{t.avatar}</h2>
          <img id="avatar-image" class="avatar" alt="" width={96} height={96} hidden />
          <form id="avatar-form" method="post">
            <label for="avatar-file">{t.avatarFile}</label>
            <input
              id="avatar-file"
              name="file"
              type="file"
              accept="image/jpeg,image/png,image/webp,image/gif,image/avif"
            />
            <button type="submit">{t.uploadAvatar}</button>
            <button id="avatar-remove" class="secondary" type="button" hidden>
              {t.removeAvatar}
            </button>
          </form>
          <Outcome id="avatar" />
        </section>
        <section aria-labelledby="password-heading">
          <h2 id="password-heading">{t.password}</h2>
          <form id="password-form" method="post">
            <label for="current-password">{t.currentPassword}</label>
            <PasswordInput id="current-password" name="currentPassword" autocomplete="current-password" />
            <NewPasswordFields idPrefix="settings-" name="newPassword" hint={t.passwordHint(PASSWORD_MIN)} />
            <button type="submit">{t.changePassword}</button>
          </form>
          <Outcome id="password" />
        </section>
        <section aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">{t.sessions}</h2>
          <p>{t.sessionsIntro}</p>
          <ul id="sessions" class="plain-list sessions" />
          <div class="actions">
            <button id="sign-out-others" type="button" class="secondary">
              {t.signOutOthers}
            </button>
            <button id="sign-out-everywhere" type="button">
              {t.signOutEverywhere}
            </button>
          </div>
          <Outcome id="sessions" />
        </section>
        <section aria-labelledby="notifications-heading">
          <h2 id="notifications-heading">{t.notifications}</h2>
          <p>
            <a href="/settings/notifications">{t.notificationPreferences}</a>
          </p>
        </section>
      </div>
    </Shell>
  );
}
