/**
 * The port through which the notifications domain pushes new notifications, live, to their recipients'
 * open `/ws` connections on every gateway replica. The realtime hub's room broadcaster implements it
 * (api/src/realtime/create-hub.ts); processes without it drop the frames, and the feed still has them.
 */
import type { Notification } from '@streamhub/contracts/notifications';

/** One recipient of a notification and the id of their copy. */
export interface FeedRecipient {
  userId: string;
  id: string;
}

export interface NotificationPublisher {
  /**
   * Frames `notification` (the same for every recipient but its id) for each recipient's open
   * connections on every replica: one message per call whatever the number of recipients, and each
   * replica frames only the recipients signed in on it.
   */
  publishMany(notification: Omit<Notification, 'id'>, recipients: readonly FeedRecipient[]): Promise<void>;
}

export class DiscardingNotificationPublisher implements NotificationPublisher {
  async publishMany(): Promise<void> {}
}
