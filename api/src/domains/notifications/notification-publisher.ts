/**
 * The port through which the notifications domain pushes a new notification, live, to its recipient's
 * open `/ws` connections on every gateway replica. The realtime hub's room broadcaster implements it
 * (api/src/realtime/create-hub.ts); processes without it drop the frames, and the feed still has them.
 */
import type { NotificationFrame } from '@streamhub/contracts/realtime';

export interface NotificationPublisher {
  publish(userId: string, frame: NotificationFrame): Promise<void>;
}

export class DiscardingNotificationPublisher implements NotificationPublisher {
  async publish(): Promise<void> {}
}
