/**
 * `streamhub serve …` and `streamhub dev`: the long-running processes. The gateway is imported when a
 * server starts, so that short provisioning commands do not pay for loading it.
 */
import type { Config } from '@streamhub/config/config';
import { heldDataDirLock } from '@streamhub/db/data-dir-lock';
import { createLogger } from '@streamhub/logger/logger';
import { Command } from 'commander';
import { type CliContext, configFrom } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { runUntilSignal } from '../run-until-signal.ts';

export function serveCommand(ctx: CliContext): Command {
  const serve = new Command('serve').description('run one StreamHub process (for scale-out deployments)');
  serve
    .command('api')
    .description('run the HTTP gateway')
    .option('--migrate', 'apply pending database migrations first')
    .action(async (options: { migrate?: boolean }) => {
      const config = configFrom(ctx);
      const logger = createLogger({ level: config.logLevel, name: 'gateway' });
      const { startGateway } = await import('@streamhub/api/runtime/gateway-runtime');
      const gateway = await startGateway(config, {
        logger,
        migrate: options.migrate === true,
        createSigningKeys: false,
        runJobs: false,
        mediaNode: false,
      });
      await announceGateway(config, gateway.port);
      await runUntilSignal(logger, gateway);
    });
  serve
    .command('media')
    .description('run the media node alone: RTMP ingest and the live HLS ladder')
    .action(async () => {
      const config = configFrom(ctx);
      const logger = createLogger({ level: config.logLevel, name: 'media' });
      const { startMediaRuntime } = await import('@streamhub/api/runtime/media-runtime');
      const node = await startMediaRuntime(config, logger);
      logger.info({ rtmpPort: node.rtmpPort, ffmpeg: node.ffmpeg }, 'media node running');
      await runUntilSignal(logger, node);
    });
  serve
    .command('worker')
    .description('run the background job workers alone (needs REDIS_URL)')
    .option('--concurrency <n>', 'jobs run at once', '4')
    .action(async (options: { concurrency: string }) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new CliError('--concurrency must be a whole number from 1 to 64');
      }
      const config = configFrom(ctx);
      if (!config.redisUrl)
        throw new CliError('serve worker needs REDIS_URL (without Redis, jobs run in the gateway)');
      const logger = createLogger({ level: config.logLevel, name: 'worker' });
      const { startWorker } = await import('@streamhub/api/runtime/worker-runtime');
      await runUntilSignal(logger, await startWorker(config, { logger, concurrency }));
    });
  return serve;
}

export function devCommand(ctx: CliContext): Command {
  return new Command('dev')
    .description('run everything in one process on the embedded defaults (migrates the database first)')
    .action(async () => {
      const config = configFrom(ctx);
      const logger = createLogger({ level: config.logLevel, name: 'streamhub' });
      const { startGateway } = await import('@streamhub/api/runtime/gateway-runtime');
      const gateway = await startGateway(config, {
        logger,
        migrate: true,
        createSigningKeys: true,
        runJobs: true,
        mediaNode: true,
      });
      await announceGateway(config, gateway.port);
      const base = `http://localhost:${gateway.port}`;
      ctx.stderr(
        `\nStreamHub is running\n  API        ${base}/api/v1\n  Reference  ${base}/docs\n  Health     ${base}/healthz\n  RTMP       rtmp://localhost:${config.media.rtmpPort}/live (stream key from the channel's keys)\n  Data       ${config.dataDir}\n\n`,
      );
      await runUntilSignal(logger, gateway);
    });
}

/**
 * On the embedded database, writes the gateway's URL into the data directory's lock, so that a
 * `streamhub user …` that finds the directory held can do its work through this gateway's API.
 */
async function announceGateway(config: Config, port: number): Promise<void> {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  await heldDataDirLock(config.dataDir)?.setUrl(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
}
