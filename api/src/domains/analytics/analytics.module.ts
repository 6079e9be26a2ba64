/**
 * The analytics domain's module: player beacons, counted views, reports. Its store is PostgreSQL/PGlite
 * unless ANALYTICS_CLICKHOUSE_URL names a ClickHouse server. Background work on every gateway: the
 * beacon buffer's flush, the roll-up and view counting, and daily retention.
 */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type RunContext,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { videosModule } from '../videos/videos.module.ts';
import { analyticsRoutes } from './analytics.routes.ts';
import { AnalyticsService } from './analytics.service.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { BeaconBuffer } from './beacon-buffer.ts';
import { ClickHouseAnalyticsStore } from './clickhouse-store.ts';
import { InstanceStateRepository } from './instance-state.repository.ts';
import { LivePresence, SAMPLE_STEP_MS } from './live-presence.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import { SaltsRepository } from './salts.repository.ts';
import { DailySalts, ViewTokens } from './view-tokens.ts';

type AnalyticsNeeds = ServicesOf<typeof channelsModule> & ServicesOf<typeof videosModule>;

/** How often views are rolled up and counted, and raw beacons pruned. */
const PROCESS_INTERVAL_MS = 5_000;
/** How often live views' presence holds reach the presence store. */
const PRESENCE_FLUSH_MS = 1_000;
const PRUNE_INTERVAL_MS = 3_600_000;

function analyticsServices(
  { config, counters, db, logger, presence }: ModuleBackends,
  { channels, videos }: AnalyticsNeeds,
) {
  const { clickhouseUrl, countedViewSeconds, rawRetentionDays, beaconsPerView } = config.analytics;
  const store: AnalyticsStore = clickhouseUrl
    ? new ClickHouseAnalyticsStore({ url: clickhouseUrl })
    : new PostgresAnalyticsStore(db);
  const salts = new DailySalts(new SaltsRepository(db));
  const instanceState = new InstanceStateRepository(db);
  const analytics = new AnalyticsService(
    {
      store,
      buffer: new BeaconBuffer(store, logger),
      tokens: new ViewTokens(salts),
      salts,
      counters,
      videos,
      channels,
      countedViewSeconds,
      rawRetentionDays,
      beaconsPerView,
      instanceState,
      ...(presence ? { livePresence: new LivePresence(presence, () => instanceState.liveBroadcasts()) } : {}),
    },
    new URL(config.publicUrl).host,
  );
  return { analytics };
}

function startAnalyticsTimers(analytics: AnalyticsService, { logger }: RunContext): () => void {
  const stopBuffer = analytics.startBuffer();
  const processing = setInterval(() => {
    analytics
      .process()
      .catch((error: unknown) => logger.error({ err: error }, 'analytics processing failed'));
  }, PROCESS_INTERVAL_MS);
  const pruning = setInterval(() => {
    analytics.prune().catch((error: unknown) => logger.error({ err: error }, 'analytics pruning failed'));
  }, PRUNE_INTERVAL_MS);
  const presenceFlush = setInterval(() => {
    analytics
      .flushPresence()
      .catch((error: unknown) => logger.warn({ err: error }, 'live views not handed to presence'));
  }, PRESENCE_FLUSH_MS);
  const sampling = setInterval(() => {
    analytics
      .samplePresence()
      .catch((error: unknown) => logger.warn({ err: error }, 'presence sample not stored'));
  }, SAMPLE_STEP_MS);
  const timers = [processing, pruning, presenceFlush, sampling];
  for (const timer of timers) timer.unref?.();
  return () => {
    for (const timer of timers) clearInterval(timer);
    // The beacons still buffered are written before the process lets go of the store.
    analytics
      .shutdown(stopBuffer)
      .catch((error: unknown) => logger.error({ err: error }, 'analytics final flush failed'));
  };
}

const analyticsMounts = () => [mount('/api/v1/analytics', analyticsRoutes())] as const;

interface AnalyticsRoutes {
  mounts: ReturnType<typeof analyticsMounts>;
}

export const analyticsModule: DomainModule<
  'analytics',
  AnalyticsNeeds,
  ReturnType<typeof analyticsServices>,
  AnalyticsRoutes
> = {
  name: 'analytics',
  dependsOn: [channelsModule, videosModule],
  services: analyticsServices,
  routes: analyticsMounts,
  timers: ({ analytics }, context) => startAnalyticsTimers(analytics, context),
};
