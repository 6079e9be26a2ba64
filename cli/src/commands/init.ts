/** `streamhub init`: writes a `.env` with generated secrets and creates the data directory. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ensureSigningKeys, signingKeysPath } from '@streamhub/api/domains/auth/signing-keys';
import { loadConfig } from '@streamhub/config/config';
import { Command, Option } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';

interface InitOptions {
  force?: boolean;
  port?: string;
  publicUrl?: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
}

export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('write a .env with generated secrets and create the data directory')
    .option('--force', 'overwrite an existing .env')
    .option('--port <port>', 'gateway port')
    .option('--public-url <url>', 'URL viewers reach the gateway at')
    .addOption(new Option('--data-dir <path>', 'data directory').default('./.streamhub'))
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded PGlite)')
    .option('--redis-url <url>', 'Redis URL (default: in-process)')
    .action(async (options: InitOptions) => {
      const path = resolve(ctx.cwd, '.env');
      if (existsSync(path) && !options.force) {
        throw new CliError(`${path} already exists; pass --force to overwrite it`);
      }
      const settings: Record<string, string> = {
        STREAMHUB_DATA_DIR: options.dataDir,
        METRICS_TOKEN: randomBytes(32).toString('base64url'),
      };
      if (options.port) settings.PORT = options.port;
      if (options.publicUrl) settings.PUBLIC_URL = options.publicUrl;
      if (options.databaseUrl) settings.DATABASE_URL = options.databaseUrl;
      if (options.redisUrl) settings.REDIS_URL = options.redisUrl;
      // Never write a file the next start-up would refuse.
      const config = loadConfig(settings, { cwd: ctx.cwd, envFile: false });

      await writeFile(path, renderEnvFile(settings), { mode: 0o600 });
      await mkdir(config.dataDir, { recursive: true });
      await ensureSigningKeys(config.dataDir);
      ctx.stdout(
        `Wrote ${path} (secrets generated; keep it private)\nData directory: ${config.dataDir}\nSigning keys: ${signingKeysPath(config.dataDir)}\n`,
      );
    });
}

function renderEnvFile(settings: Record<string, string>): string {
  const lines = [
    '# StreamHub configuration, written by `streamhub init`. See README.md for every variable.',
    '# Environment variables set in the shell take precedence over this file.',
    '',
    ...Object.entries(settings).map(([key, value]) => `${key}=${value}`),
    '',
  ];
  if (!settings.DATABASE_URL) lines.push('# DATABASE_URL=postgres://user:password@host:5432/streamhub');
  if (!settings.REDIS_URL) lines.push('# REDIS_URL=redis://host:6379');
  return `${lines.join('\n')}\n`;
}
