/**
 * The settings domain's module: the instance settings an admin changes at run time. Listed before the
 * domains whose rules read them (channels, videos, clips, restream), which receive `settings`.
 */
import type { Config } from '@streamhub/config/config';
import type { InstanceSettings } from '@streamhub/contracts/settings';
import { type DomainModule, type ModuleBackends, mount } from '../../modules/domain-module.ts';
import { SettingsRepository } from './settings.repository.ts';
import { settingsRoutes } from './settings.routes.ts';
import { SettingsService } from './settings.service.ts';

/** What the environment says, before any admin's change. */
export const settingsDefaults = (config: Config): InstanceSettings => ({
  channelCreation: config.channelCreation,
  videoMaxBytes: config.videos.maxBytes,
  videoQuotaBytes: config.videos.quotaBytes,
  clipsPerUserPerHour: config.media.clipsPerUserPerHour,
  restreamMaxDestinations: config.media.restream.maxDestinations,
});

function settingsServices({ config, db, events, logger }: ModuleBackends) {
  const settings = new SettingsService({
    settings: new SettingsRepository(db),
    events,
    defaults: settingsDefaults(config),
    logger,
  });
  return { settings };
}

const settingsMounts = () => [mount('/api/v1/admin/settings', settingsRoutes())] as const;

interface SettingsRoutes {
  mounts: ReturnType<typeof settingsMounts>;
}

export const settingsModule: DomainModule<
  'settings',
  unknown,
  ReturnType<typeof settingsServices>,
  SettingsRoutes
> = {
  name: 'settings',
  services: settingsServices,
  routes: settingsMounts,
  // Another replica's change: read afresh (settings.service.ts says why this and an expiry).
  subscriptions: async ({ settings }, { events }) => {
    const stop = events.subscribe('instance.settings_updated', () => settings.invalidate());
    await events.ready();
    return stop;
  },
};
