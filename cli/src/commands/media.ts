/** `streamhub media …`: moving stored media between storages (provisioning: opens storages directly). */
import { ConfigError, loadConfig } from '@streamhub/config/config';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { type MigrationProgress, migrateMedia } from '@streamhub/infra/media-storage/media-migration';
import { DbMigrationLedger } from '@streamhub/infra/media-storage/media-migration.db';
import { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { withDatabase } from '../with-database.ts';

const GIB = 1024 ** 3;
const size = (bytes: number) =>
  bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

export function mediaCommand(ctx: CliContext): Command {
  const media = new Command('media').description('stored media');
  media
    .command('migrate')
    .description(
      'copy every video, recording, live file and avatar from the data directory to S3 (the S3_* settings), each verified by SHA-256; run it again to resume',
    )
    .requiredOption('--to <storage>', 'where to copy: s3')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { to: string; json?: boolean }) => {
      if (options.to !== 's3') throw new CliError(`--to must be s3 (got "${options.to}")`);
      // The target's settings whatever MEDIA_STORAGE says now: it changes to s3 once the copy is done.
      const config = loadConfig({ ...ctx.env, MEDIA_STORAGE: 's3' }, { cwd: ctx.cwd });
      const s3 = config.mediaStorage;
      if (s3.kind !== 's3') throw new ConfigError('S3_BUCKET must be set');
      const targetName = `s3:${s3.bucket}/${s3.prefix}`;
      const summary = await withDatabase(
        ctx,
        (database) =>
          migrateMedia({
            source: createMediaStorage({ dataDir: config.dataDir }),
            target: createMediaStorage({ dataDir: config.dataDir, storage: s3, db: database.db }),
            targetName,
            ledger: new DbMigrationLedger(database.db),
            onProgress: progressPrinter(ctx),
          }),
        { whenHeld: 'stop StreamHub first, so that no media is written during the copy' },
      );
      if (options.json) {
        ctx.stdout(`${JSON.stringify({ target: targetName, ...summary })}\n`);
        return;
      }
      ctx.stdout(
        `Migrated ${summary.objects} objects (${size(summary.bytes)}) to ${targetName}: ${summary.copied} copied and verified, ${summary.skipped} already there.\n`,
      );
      if (summary.uploadsLeft > 0) {
        ctx.stdout(
          `${summary.uploadsLeft} upload(s) in progress stay behind; their clients start them again.\n`,
        );
      }
      ctx.stdout('Set MEDIA_STORAGE=s3 on every process and restart them.\n');
    });
  return media;
}

/** One progress line on stderr per second at most, and one for the last object. */
function progressPrinter(ctx: CliContext): (progress: MigrationProgress) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < 1000 && progress.done < progress.objects) return;
    last = now;
    ctx.stderr(
      `${progress.done}/${progress.objects} objects, ${size(progress.bytesDone)} of ${size(progress.bytes)} (${progress.copied} copied, ${progress.skipped} already there)\n`,
    );
  };
}
