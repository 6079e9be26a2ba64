/**
 * Every domain of the app, in dependency order: the one place a domain is registered. The gateway,
 * worker and media runtimes take this list and start only the parts their role needs.
 */
import { analyticsModule } from './domains/analytics/analytics.module.ts';
import { authModule } from './domains/auth/auth.module.ts';
import { channelsModule } from './domains/channels/channels.module.ts';
import { chatModule } from './domains/chat/chat.module.ts';
import { clipsModule } from './domains/clips/clips.module.ts';
import { engagementModule } from './domains/engagement/engagement.module.ts';
import { notificationsModule } from './domains/notifications/notifications.module.ts';
import { paymentsModule } from './domains/payments/payments.module.ts';
import { playbackModule } from './domains/playback/playback.module.ts';
import { restreamModule } from './domains/restream/restream.module.ts';
import { settingsModule } from './domains/settings/settings.module.ts';
import { systemModule } from './domains/system/system.module.ts';
import { usersModule } from './domains/users/users.module.ts';
import { videosModule } from './domains/videos/videos.module.ts';
import { webhooksModule } from './domains/webhooks/webhooks.module.ts';
import type { AllServices } from './modules/domain-module.ts';
import { realtimeModule } from './realtime/realtime.module.ts';

export const MODULES = [
  systemModule,
  settingsModule,
  authModule,
  channelsModule,
  videosModule,
  usersModule,
  chatModule,
  playbackModule,
  engagementModule,
  paymentsModule,
  webhooksModule,
  analyticsModule,
  notificationsModule,
  restreamModule,
  clipsModule,
  realtimeModule,
] as const;

export type AppModules = typeof MODULES;

/** Every module's services, as `c.var.deps.services`. */
export type GatewayServices = AllServices<AppModules>;
