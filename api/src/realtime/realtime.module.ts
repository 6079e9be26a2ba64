/**
 * The realtime module's HTTP part: viewer counts and playback heartbeats. The `/ws` hub itself is the
 * gateway runtime's (it needs the server), with its own ephemeral subscriptions (docs/realtime.md).
 */
import { type DomainModule, mount } from '../modules/domain-module.ts';
import { viewerRoutes } from './viewers.routes.ts';

const realtimeMounts = () => [mount('/api/v1/channels', viewerRoutes())] as const;

interface RealtimeRoutes {
  mounts: ReturnType<typeof realtimeMounts>;
}

export const realtimeModule: DomainModule<'realtime', unknown, Record<never, never>, RealtimeRoutes> = {
  name: 'realtime',
  services: () => ({}),
  routes: realtimeMounts,
};
