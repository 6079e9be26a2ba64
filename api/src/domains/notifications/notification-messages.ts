/**
 * The texts of notifications (emails, push), in English: one message catalogue. A translation is another
 * object of the same `NotificationMessages` shape; `messagesFor(language)` picks one, English when the
 * language has none.
 */
import type { NotificationData, NotificationType } from '@streamhub/contracts/notifications';

/** One notification in words: a headline and a sentence. */
export interface NotificationWords {
  title: string;
  body: string;
}

export interface NotificationMessages {
  language: string;
  kinds: Record<NotificationType, (data: NotificationData, instance: string) => NotificationWords>;
  /** The button or link that opens the notification's page. */
  open: string;
  greeting: (username: string) => string;
  /** Why the email came, and how to stop this kind. */
  footer: (instance: string) => string;
  unsubscribe: string;
  /** Security notices cannot be unsubscribed from; the footer says so instead. */
  securityFooter: string;
  digestSubject: (instance: string, count: number) => string;
  digestIntro: (count: number) => string;
  unsubscribePage: {
    title: string;
    confirm: (kind: string, instance: string) => string;
    button: string;
    done: (kind: string) => string;
    invalid: string;
  };
  /** The preference's name of each kind, for the unsubscribe page. */
  kindNames: Record<NotificationType, string>;
}

const str = (value: NotificationData[string] | undefined, fallback: string) =>
  typeof value === 'string' && value.length > 0 ? value : fallback;

const money = (data: NotificationData) => {
  const amount = typeof data.amount === 'number' ? data.amount : 0;
  const currency = str(data.currency, 'usd').toUpperCase();
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100);
};

export const EN: NotificationMessages = {
  language: 'en',
  kinds: {
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
    'video.ready': (data) => ({
      title: 'Your video is ready',
      body: `"${str(data.title, 'Your video')}" has been processed and can be watched.`,
    }),
    'video.failed': (data) => ({
      title: 'Your video could not be processed',
      body: `Processing failed: ${str(data.reason, 'unknown reason')}.`,
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
  },
  open: 'Open',
  greeting: (username) => `Hi ${username},`,
  footer: (instance) => `You receive this email because of your notification settings on ${instance}.`,
  unsubscribe: 'Unsubscribe from these emails',
  securityFooter: 'Security notices are always sent.',
  digestSubject: (instance, count) => `${count} new notification${count === 1 ? '' : 's'} on ${instance}`,
  digestIntro: (count) => `Here ${count === 1 ? 'is what' : `are the ${count} things that`} happened:`,
  unsubscribePage: {
    title: 'Unsubscribe',
    confirm: (kind, instance) => `Stop emails about "${kind}" from ${instance}?`,
    button: 'Unsubscribe',
    done: (kind) =>
      `Done: you will get no more emails about "${kind}". You can turn them back on in your settings.`,
    invalid: 'This unsubscribe link is not valid.',
  },
  kindNames: {
    'channel.live': 'a followed channel went live',
    'channel.video': 'new videos of followed channels',
    'channel.follower': 'new followers',
    'comment.reply': 'replies to your comments',
    'tip.received': 'tips',
    'video.ready': 'your videos are ready',
    'video.failed': 'your videos failed',
    'security.password_changed': 'password changes',
    'security.new_login': 'new sign-ins',
    'security.suspended': 'suspensions',
  },
};

const CATALOGUES: Record<string, NotificationMessages> = { en: EN };

export function messagesFor(language: string | undefined): NotificationMessages {
  return (language && CATALOGUES[language]) || EN;
}
