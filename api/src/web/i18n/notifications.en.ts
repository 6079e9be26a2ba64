/**
 * The notifications' words in English, for the bell, the preferences page, emails and pushes: one
 * catalogue (a translation is another module of the same shape). Imported by the server and the
 * browser bundle alike, so it holds nothing but text.
 */
import type { NotificationData, NotificationType } from '@streamhub/contracts/notifications';

/** One notification in words: a headline and a sentence. */
export interface NotificationWords {
  title: string;
  body: string;
}

const str = (value: NotificationData[string] | undefined, fallback: string) =>
  typeof value === 'string' && value.length > 0 ? value : fallback;

const money = (data: NotificationData) => {
  const amount = typeof data.amount === 'number' ? data.amount : 0;
  const currency = str(data.currency, 'usd').toUpperCase();
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100);
};

/** A moment in UTC, so an email reads the same wherever it is opened. */
const moment = (iso: string) =>
  `${new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;

/** What each kind says, from its data and the instance's name. */
export const notificationKinds: Record<
  NotificationType,
  (data: NotificationData, instance: string) => NotificationWords
> = {
  'channel.live': (data) => ({
    title: `${str(data.slug, 'A channel')} is live`,
    body: `${str(data.slug, 'A channel you follow')} just started streaming.`,
  }),
  'channel.video': (data) => ({
    title: `New video: ${str(data.title, 'untitled')}`,
    body: `A channel you follow published "${str(data.title, 'untitled')}".`,
  }),
  'channel.follower': (data) => ({
    title: 'New follower',
    body: `${str(data.username, 'Someone')} now follows your channel.`,
  }),
  'comment.reply': (data) => ({
    title: 'New reply',
    body: `${str(data.username, 'Someone')} replied to your comment.`,
  }),
  'tip.received': (data) => ({
    title: `You received a tip of ${money(data)}`,
    body: `${str(data.username, 'A viewer')} sent you ${money(data)}${typeof data.message === 'string' && data.message ? `: "${data.message}"` : '.'}`,
  }),
  'subscription.new': (data) => ({
    title: 'New subscriber',
    body: `${str(data.username, 'A viewer')} subscribed to your channel.`,
  }),
  'subscription.renewed': (data) => ({
    title: 'Subscription renewed',
    body: `${str(data.username, 'A subscriber')} renewed their subscription to your channel.`,
  }),
  'subscription.expired': (data) => ({
    title: 'Your subscription ended',
    body: `Your subscription to ${str(data.slug, 'a channel')} has expired.`,
  }),
  'subscription.payment_failed': (data) => ({
    title: 'Your subscription payment failed',
    body: `The payment for your subscription to ${str(data.slug, 'a channel')} failed${typeof data.accessUntil === 'string' ? `; your access ends at ${moment(data.accessUntil)} unless it is paid by then` : ''}.`,
  }),
  'subscription.expiring': (data) => ({
    title: 'Your subscription ends soon',
    body: `Your subscription to ${str(data.slug, 'a channel')} was cancelled and ends${typeof data.accessUntil === 'string' ? ` at ${moment(data.accessUntil)}` : ' soon'}. Subscribe again before then to keep your perks.`,
  }),
  'video.ready': (data) => ({
    title: 'Your video is ready',
    body: `"${str(data.title, 'Your video')}" has been processed and can be watched.`,
  }),
  'video.failed': (data) => ({
    title: 'Your video could not be processed',
    body: `Processing failed: ${str(data.reason, 'unknown reason')}.`,
  }),
  'webhook.endpoint_disabled': (data) => ({
    title: 'A webhook endpoint was turned off',
    body: `Deliveries to ${str(data.url, 'your webhook endpoint')} failed${typeof data.failingSince === 'string' ? ` from ${moment(data.failingSince)}` : ''} until the retries ran out (${str(data.reason, 'no answer')}), so it was disabled. Fix it, then turn it back on.`,
  }),
  'security.password_changed': (_data, instance) => ({
    title: 'Your password was changed',
    body: `The password of your ${instance} account was changed. If this was not you, reset it now.`,
  }),
  'security.new_login': (data, instance) => ({
    title: 'New sign-in to your account',
    body: `Your ${instance} account was signed in to${typeof data.userAgent === 'string' ? ` from ${data.userAgent}` : ''}. If this was not you, change your password.`,
  }),
  'security.suspended': (_data, instance) => ({
    title: 'Your account was suspended',
    body: `An administrator of ${instance} suspended your account.`,
  }),
};

/** The preference's name of each kind. */
export const notificationKindNames: Record<NotificationType, string> = {
  'channel.live': 'A followed channel went live',
  'channel.video': 'New videos of followed channels',
  'channel.follower': 'New followers',
  'comment.reply': 'Replies to your comments',
  'tip.received': 'Tips',
  'subscription.new': 'New subscribers',
  'subscription.renewed': 'Renewed subscriptions',
  'subscription.expired': 'Your subscriptions ending',
  'subscription.payment_failed': 'Failed subscription payments',
  'subscription.expiring': 'Your subscriptions about to end',
  'webhook.endpoint_disabled': 'Webhook endpoints turned off',
  'video.ready': 'Your videos are ready',
  'video.failed': 'Your videos failed',
  'security.password_changed': 'Password changes',
  'security.new_login': 'New sign-ins',
  'security.suspended': 'Suspensions',
};

/** The bell and the preferences page. */
export const notificationsUiText = {
  bell: 'Notifications',
  unread: (count: number) => (count === 1 ? '1 unread notification' : `${count} unread notifications`),
  markAllRead: 'Mark all read',
  empty: 'Nothing yet.',
  remove: 'Delete',
  loadFailed: 'Could not load the notifications.',
  enablePush: 'Push notifications on this browser',
  pushOn: 'Push notifications are on for this browser.',
  pushBlocked: 'The browser blocks notifications for this site.',
  pushUnavailable: 'This browser or instance has no push notifications.',
  preferencesTitle: 'Notification preferences',
  preferencesIntro:
    'Choose, for each kind, whether it shows in the app, is emailed or pushed to your devices.',
  kind: 'Kind',
  inApp: 'In the app',
  email: 'Email',
  push: 'Push',
  locked: 'Security notices are always shown and emailed.',
  digest: 'Email',
  digestOptions: {
    off: 'One email per notification',
    hourly: 'One digest an hour',
    daily: 'One digest a day',
  },
  muted: 'Muted channels',
  noMuted: 'No muted channel. Mute one from its page to stop its go-live and video notifications.',
  unmute: 'Unmute',
  saved: 'Saved.',
  saveFailed: 'Could not save.',
};
