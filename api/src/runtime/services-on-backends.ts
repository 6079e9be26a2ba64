/**
 * Every module's services on a process's opened backends: the gateway, the job worker and the CLI's
 * provisioning commands build them here, so that all three apply the same rules on the same event bus.
 */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import type { SigningKeyRing } from '../domains/auth/signing-keys.ts';
import {
  broadcastingNotificationPublisher,
  broadcastingRoomPublisher,
  broadcastingVideoStatusPublisher,
} from '../realtime/create-hub.ts';
import { createServices, type GatewayServices } from '../services.ts';
import type { Backends } from './backends.ts';

/**
 * Which realtime frames this process's services hand to the replicas' `/ws` (through `backends.rooms`):
 * chat rooms' frames, videos' processing status to their owners, new notifications to their recipients.
 * Those it does not send are dropped.
 */
export type BroadcastFrames = 'chat' | 'video-status' | 'notifications';

export function servicesOnBackends(
  backends: Backends,
  parts: { config: Config; logger: Logger; signingKeys: SigningKeyRing; broadcast: BroadcastFrames[] },
): GatewayServices {
  const { config, logger, signingKeys, broadcast } = parts;
  return createServices({
    config,
    db: backends.database.db,
    events: backends.events,
    jobs: backends.jobs,
    counters: backends.counters,
    presence: backends.presence,
    media: backends.media,
    logger,
    signingKeys,
    ...(broadcast.includes('chat') ? { roomPublisher: broadcastingRoomPublisher(backends.rooms) } : {}),
    ...(broadcast.includes('video-status')
      ? { videoStatusPublisher: broadcastingVideoStatusPublisher(backends.rooms) }
      : {}),
    ...(broadcast.includes('notifications')
      ? { notificationPublisher: broadcastingNotificationPublisher(backends.rooms) }
      : {}),
  });
}
