/**
 * The texts of notifications (emails, push), in English: one message catalogue. A translation is another
 * object of the same `NotificationMessages` shape; `messagesFor(language)` picks one, English when the
 * language has none.
 */
import type { NotificationData, NotificationType } from '@streamhub/contracts/notifications';
import {
  type NotificationWords,
  notificationKindNames,
  notificationKinds,
} from '../../web/i18n/notifications.en.ts';

export interface NotificationMessages {
  language: string;
  kinds: Record<NotificationType, (data: NotificationData, instance: string) => NotificationWords>;
  /** The button or link that opens the notification's page. */
  open: string;
  greeting: (username: string) => string;
  /** Why the email came, and how to stop this kind. */
  footer: (instance: string) => string;
  unsubscribe: string;
  /** The link to the preferences, in digests (which mix kinds). */
  preferences: string;
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

export const EN: NotificationMessages = {
  language: 'en',
  kinds: notificationKinds,
  open: 'Open',
  greeting: (username) => `Hi ${username},`,
  footer: (instance) => `You receive this email because of your notification settings on ${instance}.`,
  unsubscribe: 'Unsubscribe from these emails',
  preferences: 'Choose which emails you get',
  securityFooter: 'Security notices are always sent.',
  digestSubject: (instance, count) => `${count} new notification${count === 1 ? '' : 's'} on ${instance}`,
  digestIntro: (count) => `Here ${count === 1 ? 'is what' : `are the ${count} things that`} happened:`,
  unsubscribePage: {
    title: 'Unsubscribe',
    confirm: (kind, instance) => `Stop emails about "${kind.toLowerCase()}" from ${instance}?`,
    button: 'Unsubscribe',
    done: (kind) =>
      `Done: you will get no more emails about "${kind.toLowerCase()}". You can turn them back on in your settings.`,
    invalid: 'This unsubscribe link is not valid.',
  },
  kindNames: notificationKindNames,
};

const CATALOGUES: Record<string, NotificationMessages> = { en: EN };

export function messagesFor(language: string | undefined): NotificationMessages {
  return (language && CATALOGUES[language]) || EN;
}
