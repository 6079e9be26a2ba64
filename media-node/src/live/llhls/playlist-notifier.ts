/**
 * The bus on which media nodes announce new LL-HLS parts and gateways hear of them: Redis pub/sub when
 * REDIS_URL is set (any gateway replica, any media node), else in-process (the all-in-one process).
 */
import { LIVE_PLAYLIST_EVENTS, type LivePlaylistEvents } from '@streamhub/contracts/live-playlists';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import type { EventBus, EventBusErrorHandler } from '@streamhub/infra/event-bus/port';

export type PlaylistNotifier = EventBus<LivePlaylistEvents>;

export function openPlaylistNotifier(options: {
  redisUrl: string | undefined;
  /** The deployment's Redis prefix; the bus adds its own segment so it never meets DOMAIN_EVENTS. */
  prefix: string;
  onError?: EventBusErrorHandler;
}): Promise<PlaylistNotifier> {
  return createEventBus(LIVE_PLAYLIST_EVENTS, {
    redisUrl: options.redisUrl,
    prefix: `${options.prefix}llhls:`,
    onError: options.onError,
  });
}
