/**
 * The gateway's composition root: opens the configured backends (embedded or scale-out), builds
 * the app on them and serves it on the runtime's native server.
 */
import type { Config } from '@streamhub/config/config';
import { registerOutboxMetrics } from '@streamhub/infra/outbox/metrics';
import type { Logger } from '@streamhub/logger/logger';
import { FfmpegNotFoundError } from '@streamhub/media-node/ffmpeg/locate';
import { startMediaNode } from '@streamhub/media-node/media-node';
import { createApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { registerInstanceMetrics } from '../domains/analytics/instance-metrics.ts';
import { ensureSigningKeys, loadSigningKeys, type SigningKeyRing } from '../domains/auth/signing-keys.ts';
import { createMailer } from '../mail/create-mailer.ts';
import { mediaGate, moduleConsumers, moduleJobHandlers, startBackground } from '../modules/run-modules.ts';
import { MODULES } from '../modules.ts';
import { createRealtimeHub, websocketEndpoint } from '../realtime/create-hub.ts';
import type { RealtimeHub } from '../realtime/realtime-hub.ts';
import { remoteAddress, serveHttp } from '../server/serve.ts';
import type { RemoteAddressResolver } from '../server/types.ts';
import { type Backends, openBackends } from './backends.ts';
import { recordIngestDetails } from './media-gate.ts';
import { type Outbox, openOutbox } from './outbox.ts';
import { servicesOnBackends } from './services-on-backends.ts';

export interface StartGatewayOptions {
  logger: Logger;
  /** Apply pending migrations first (the all-in-one `dev`; replicas leave it to `db migrate`). */
  migrate: boolean;
  /**
   * Create a signing key when there is none (the all-in-one `dev`). Replicas must share one key ring,
   * so they never create their own.
   */
  createSigningKeys: boolean;
  /** Run the job workers here too (the all-in-one `dev`); always so when jobs are in-process. */
  runJobs: boolean;
  /** Run the media node (RTMP ingest, live HLS) in this process too (the all-in-one `dev`). */
  mediaNode: boolean;
}

export interface RunningGateway {
  port: number;
  /** Graceful stop: no new connections, in-flight requests finish, then backends close. */
  close(): Promise<void>;
}

/** The gateway's dependencies on opened backends; the benchmark builds its gateway the same way. */
export function gatewayDeps(parts: {
  config: Config;
  logger: Logger;
  backends: Backends;
  signingKeys: SigningKeyRing;
  remoteAddress: RemoteAddressResolver;
}): GatewayDeps {
  const { config, backends, signingKeys } = parts;
  return {
    config,
    logger: parts.logger,
    services: servicesOnBackends(backends, {
      config,
      logger: parts.logger,
      signingKeys,
      broadcast: ['chat', 'video-status', 'notifications'],
    }),
    signingKeys,
    counters: backends.counters,
    presence: backends.presence,
    readiness: backends.readiness,
    drivers: { database: backends.database.driver, infra: backends.infra },
    remoteAddress: parts.remoteAddress,
  };
}

export async function startGateway(config: Config, options: StartGatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  if (options.createSigningKeys && !config.auth.signingKeys && (await ensureSigningKeys(config.dataDir))) {
    logger.info({ dataDir: config.dataDir }, 'created a signing key');
  }
  const signingKeys = await loadSigningKeys({
    dataDir: config.dataDir,
    signingKeys: config.auth.signingKeys,
  });
  const backends = await openBackends(config, logger, { migrate: options.migrate });
  let stopWorkers = async () => {};
  let stopMedia = async () => {};
  let stopBackground = () => {};
  let hub: RealtimeHub | undefined;
  let outbox: Outbox | undefined;

  try {
    const deps = gatewayDeps({ config, logger, backends, signingKeys, remoteAddress });
    const run = { config, logger, events: backends.events, media: backends.media };
    // Every gateway runs a relay (one is active at a time); consumers run where the other jobs run.
    outbox = await openOutbox(
      config,
      backends.database,
      logger,
      moduleConsumers(MODULES, deps.services, run),
    );
    // In-process jobs exist only in this process, so it must run them; with Redis, `serve worker` does.
    // Video jobs find ffmpeg when they first run: without it the gateway still starts and they fail clearly.
    if (options.runJobs || backends.infra === 'memory') {
      const mailer = createMailer(config.mail, logger);
      await backends.jobs.start(moduleJobHandlers(MODULES, deps.services, { ...run, mailer }));
      await outbox.startConsumers();
      stopWorkers = () => mailer.close();
      if (backends.infra === 'memory') {
        const requeued = await deps.services.videos.requeueUnfinished();
        if (requeued > 0) logger.info({ requeued }, 'queued the videos a previous run left unprocessed');
      }
    }
    // The modules' ephemeral subscriptions and timers (abandoned uploads are swept).
    stopBackground = await startBackground(MODULES, deps.services, run);
    if (options.mediaNode) {
      try {
        const node = await startMediaNode({
          config,
          logger,
          media: backends.media,
          gate: mediaGate(MODULES, deps.services),
          // The restream service is the media node's RestreamTargets port (docs/restream.md).
          restream: deps.services.restream,
        });
        recordIngestDetails(node, deps.services.channels, logger);
        stopMedia = () => node.close();
      } catch (error) {
        // A newcomer without ffmpeg still gets the API; live ingest waits until ffmpeg is there.
        if (!(error instanceof FfmpegNotFoundError)) throw error;
        logger.error({ err: error }, 'live ingest disabled: install ffmpeg or set FFMPEG_PATH');
      }
    }
    const { app, metrics } = createApp(deps, { processMetrics: true });
    registerOutboxMetrics(metrics.registry, outbox.relay);
    registerInstanceMetrics(metrics.registry, deps.services.analytics);
    hub = createRealtimeHub(deps, backends);
    await hub.start();
    const server = await serveHttp({
      fetch: app.fetch,
      host: config.host,
      port: config.port,
      gracePeriodMs: config.shutdownTimeoutMs,
      websocket: websocketEndpoint(hub, config),
    });
    logger.info(
      { port: server.port, host: config.host, database: backends.database.driver, infra: backends.infra },
      'gateway listening',
    );
    return {
      port: server.port,
      close: async () => {
        await server.close();
        stopBackground();
        // Before the backends: ending the live sessions still writes to the database.
        await stopMedia();
        await outbox?.close();
        await backends.close();
        await stopWorkers();
      },
    };
  } catch (error) {
    stopBackground();
    await hub?.close();
    await stopMedia();
    await outbox?.close();
    await backends.close();
    throw error;
  }
}
