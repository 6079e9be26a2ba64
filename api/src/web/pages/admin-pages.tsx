/** @jsxImportSource hono/jsx */
/**
 * The admin pages: users (search, roles, suspension), the live channels (cut one), and the instance's settings.
 * The users page is filled by its island from the admin API (the server does not know the reader); the
 * live channels and the settings are what any visitor may know anyway (the directory; the policy and
 * limits every user meets), so the server renders them, and the island only checks the reader is an admin.
 */

import type { Config } from '@streamhub/config/config';
import type { PublicChannel } from '@streamhub/contracts/channels';
import type { InstanceSettingsView } from '@streamhub/contracts/settings';
import { pageText } from '../i18n/en.ts';
import { settingsText } from '../i18n/settings.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Outcome } from './form-parts.tsx';
import { InstanceSettingsForm, SettingsHistory } from './instance-settings-form.tsx';
import { formatBytes } from './studio-pages.tsx';
import { Workspace } from './workspace-layout.tsx';

const t = pageText.admin;

export function adminUsersPage(assets: WebAssets, query: string) {
  return (
    <Workspace assets={assets} kind="admin" path="/admin" heading={t.users.heading}>
      <section class="panel" aria-labelledby="user-search-heading">
        <h2 id="user-search-heading" class="visually-hidden">
          {t.users.searchHeading}
        </h2>
        <form id="user-search-form" class="inline-form" method="get" action="/admin">
          <label for="user-search">{t.users.search}</label>
          <input id="user-search" name="q" type="search" maxlength={100} value={query} />
          <button type="submit">{t.users.searchButton}</button>
        </form>
        <table class="data-table">
          <caption class="visually-hidden">{t.users.heading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.users.user}</th>
              <th scope="col">{t.users.role}</th>
              <th scope="col">{t.users.status}</th>
              <th scope="col">{t.users.actions}</th>
            </tr>
          </thead>
          <tbody id="users" />
        </table>
        <p id="no-users" class="empty" hidden>
          {t.users.none}
        </p>
        <button id="users-more" type="button" class="secondary" hidden>
          {t.users.more}
        </button>
        <Outcome id="users" />
      </section>
    </Workspace>
  );
}

export function adminLivePage(assets: WebAssets, live: PublicChannel[]) {
  return (
    <Workspace assets={assets} kind="admin" path="/admin/live" heading={t.live.heading}>
      <section class="panel" aria-labelledby="live-list-heading">
        <h2 id="live-list-heading" class="visually-hidden">
          {t.live.heading}
        </h2>
        <p>{t.live.intro}</p>
        {live.length === 0 ? (
          <p class="empty">{t.live.none}</p>
        ) : (
          <table class="data-table">
            <caption class="visually-hidden">{t.live.heading}</caption>
            <thead>
              <tr>
                <th scope="col">{t.live.channel}</th>
                <th scope="col">{t.live.streamer}</th>
                <th scope="col">{t.live.since}</th>
                <th scope="col">{t.live.actions}</th>
              </tr>
            </thead>
            <tbody>
              {live.map((channel) => (
                <tr>
                  <td>
                    <a href={`/c/${encodeURIComponent(channel.slug)}`}>{channel.title}</a>
                  </td>
                  <td>@{channel.owner.username}</td>
                  <td>{channel.session ? pageText.formatDate(channel.session.startedAt) : ''}</td>
                  <td class="actions">
                    <button type="button" data-cut={channel.slug} aria-label={t.live.cutLabel(channel.title)}>
                      {t.live.cut}
                    </button>
                    <a
                      class="button-link secondary"
                      href={`/admin?q=${encodeURIComponent(channel.owner.username)}`}
                      aria-label={t.live.moderateLabel(channel.owner.username)}
                    >
                      {t.live.moderate}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Outcome id="live" />
      </section>
    </Workspace>
  );
}

/**
 * The settings an admin is shown: the policy on who may stream and the limits an admin may change live
 * (a form), then the rest, which only the environment sets, with the variable that sets each.
 */
export function adminInstancePage(assets: WebAssets, config: Config, view: InstanceSettingsView) {
  const rows: [string, string, string][] = [
    [t.instance.ingest, config.media.rtmpPublicUrl, 'RTMP_PUBLIC_URL'],
    [t.instance.avatarMax, formatBytes(config.avatarMaxBytes), 'AVATAR_MAX_BYTES'],
    [t.instance.bodyLimit, formatBytes(config.bodyLimitBytes), 'BODY_LIMIT_BYTES'],
    [
      t.instance.rateLimit,
      t.instance.rateLimitValue(config.rateLimit.max, config.rateLimit.windowMs / 1000),
      'RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS',
    ],
    [
      t.instance.sessionLength,
      t.instance.seconds(config.auth.refreshTokenTtlSeconds),
      'REFRESH_TOKEN_TTL_SECONDS',
    ],
    [t.instance.connections, String(config.realtime.maxConnectionsPerIp), 'WS_MAX_CONNECTIONS_PER_IP'],
    [t.instance.segment, t.instance.seconds(config.media.segmentSeconds), 'LIVE_SEGMENT_SECONDS'],
    [
      t.instance.ladder,
      config.media.ladder === 'passthrough'
        ? t.instance.passthrough
        : config.media.ladder.map((h) => `${h}p`).join(', '),
      'LIVE_LADDER',
    ],
  ];
  return (
    <Workspace assets={assets} kind="admin" path="/admin/instance" heading={t.instance.heading}>
      <InstanceSettingsForm view={view} />
      <SettingsHistory />
      <section class="panel" aria-labelledby="instance-heading">
        <h2 id="instance-heading">{settingsText.envHeading}</h2>
        <p>{settingsText.envIntro}</p>
        <table class="data-table">
          <caption class="visually-hidden">{settingsText.envHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.instance.setting}</th>
              <th scope="col">{t.instance.value}</th>
              <th scope="col">{t.instance.variable}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, value, variable]) => (
              <tr>
                <th scope="row">{name}</th>
                <td>{value}</td>
                <td>
                  <code>{variable}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Workspace>
  );
}
