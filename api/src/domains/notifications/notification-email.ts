/**
 * A notification (or a digest of several) as an email: plain text and HTML from the message catalogue,
 * the instance's name and URL, and for kinds that can be turned off the RFC 8058 one-click unsubscribe
 * headers. Pure functions: tested without a mailer.
 */
import type { NotificationData, NotificationType } from '@streamhub/contracts/notifications';
import { escapeHtml } from '../auth/email-messages.ts';
import type { NotificationMessages } from './notification-messages.ts';

export interface EmailNotification {
  type: NotificationType;
  data: NotificationData;
  /** A path on the instance. */
  url: string;
}

export interface EmailInstance {
  name: string;
  /** The public URL, without a trailing slash. */
  publicUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** The one-click (POST) URL and the page a person opens (GET) for an unsubscribe token. */
export function unsubscribeUrls(publicUrl: string, token: string) {
  const query = `token=${encodeURIComponent(token)}`;
  return {
    oneClick: `${publicUrl}/api/v1/notifications/unsubscribe?${query}`,
    page: `${publicUrl}/notifications/unsubscribe?${query}`,
  };
}

const page = (blocks: string[]) =>
  `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${blocks.join('')}</body></html>`;

/**
 * `unsubscribeToken` is absent for security notices: they carry no List-Unsubscribe, and say why.
 */
export function renderNotificationEmail(
  messages: NotificationMessages,
  instance: EmailInstance,
  username: string,
  notifications: readonly EmailNotification[],
  unsubscribeToken: string | undefined,
  options: { locked: boolean } = { locked: false },
): RenderedEmail {
  const items = notifications.map((item) => ({
    ...messages.kinds[item.type](item.data, instance.name),
    link: `${instance.publicUrl}${item.url}`,
  }));
  const [single] = items;
  const digest = items.length !== 1 || !single;
  const subject = digest
    ? messages.digestSubject(instance.name, items.length)
    : `${single.title} | ${instance.name}`;
  const unsubscribe = unsubscribeToken ? unsubscribeUrls(instance.publicUrl, unsubscribeToken) : undefined;
  const preferencesUrl = `${instance.publicUrl}/settings/notifications`;
  const stop = unsubscribe
    ? `${messages.unsubscribe}: ${unsubscribe.page}`
    : options.locked
      ? messages.securityFooter
      : `${messages.preferences}: ${preferencesUrl}`;
  const footer = [messages.footer(instance.name), stop];
  const text = [
    messages.greeting(username),
    '',
    ...(digest ? [messages.digestIntro(items.length), ''] : []),
    ...items.flatMap((item) => [digest ? `* ${item.title}` : item.title, item.body, item.link, '']),
    '-- ',
    `${instance.name} <${instance.publicUrl}>`,
    ...footer,
  ].join('\n');
  const html = page([
    `<p>${escapeHtml(messages.greeting(username))}</p>`,
    ...(digest ? [`<p>${escapeHtml(messages.digestIntro(items.length))}</p>`] : []),
    ...items.map(
      (item) =>
        `<h3>${escapeHtml(item.title)}</h3><p>${escapeHtml(item.body)}</p><p><a href="${escapeHtml(item.link)}">${escapeHtml(messages.open)}</a></p>`,
    ),
    '<hr />',
    `<p style="color:#666;font-size:small"><a href="${escapeHtml(instance.publicUrl)}">${escapeHtml(instance.name)}</a> · ${escapeHtml(messages.footer(instance.name))} ${
      unsubscribe
        ? `<a href="${escapeHtml(unsubscribe.page)}">${escapeHtml(messages.unsubscribe)}</a>`
        : options.locked
          ? escapeHtml(messages.securityFooter)
          : `<a href="${escapeHtml(preferencesUrl)}">${escapeHtml(messages.preferences)}</a>`
    }</p>`,
  ]);
  const headers: Record<string, string> = unsubscribe
    ? {
        'List-Unsubscribe': `<${unsubscribe.oneClick}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      }
    : {};
  return { subject, text, html, headers };
}
