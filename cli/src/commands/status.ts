/** `streamhub status`: asks a running gateway whether it and its dependencies are ready. */
import {
  type Readiness,
  ReadinessSchema,
  type SystemInfo,
  SystemInfoSchema,
} from '@streamhub/contracts/system';
import { Command, Option } from 'commander';
import { type ApiClient, connectApi } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';

interface StatusOptions {
  url?: string;
  json?: boolean;
  timeout: string;
}

export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .description("show a running gateway's readiness; exits non-zero when it is not ready")
    .addOption(
      new Option(
        '--url <url>',
        'gateway URL (default: the URL of `streamhub login`, else http://127.0.0.1:$PORT)',
      ).env('STREAMHUB_URL'),
    )
    .option('--json', 'print JSON for scripts')
    .option('--timeout <ms>', 'how long to wait for an answer', '5000')
    .action(async (options: StatusOptions) => {
      const timeoutMs = Number(options.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
        throw new CliError('--timeout must be a positive number of milliseconds');
      const api = await connectApi(ctx, { url: options.url }, { anonymous: true, timeoutMs });

      const readiness = await readReadiness(api);
      const info = await api.read(api.v1.system.info.$get(), SystemInfoSchema).catch(() => undefined);
      if (options.json) ctx.stdout(`${JSON.stringify({ url: api.origin, ...readiness, info })}\n`);
      else ctx.stdout(renderStatus(api.origin, readiness, info));
      if (readiness.status !== 'ready') throw new CliError(`${api.origin} is not ready`);
    });
}

/** `/readyz` answers 503 with the same body when a dependency is down: its body is read either way. */
async function readReadiness(api: ApiClient): Promise<Readiness> {
  const response = await api.routes.readyz.$get();
  const parsed = ReadinessSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new CliError(`${api.origin} did not answer like a StreamHub gateway (HTTP ${response.status})`);
  return parsed.data;
}

function renderStatus(origin: string, readiness: Readiness, info: SystemInfo | undefined): string {
  const lines = [`StreamHub at ${origin}: ${readiness.status === 'ready' ? 'ready' : 'NOT READY'}`];
  if (info) {
    lines.push(
      `  version ${info.version} on ${info.runtime} ${info.runtimeVersion}; database ${info.drivers.database}, jobs/events ${info.drivers.infra}`,
    );
  }
  const width = Math.max(...readiness.checks.map((c) => c.name.length), 8);
  for (const check of readiness.checks) {
    const mark = check.ok ? 'ok  ' : 'FAIL';
    const detail = check.ok ? `${check.latencyMs} ms` : (check.error ?? 'failed');
    lines.push(`  ${mark} ${check.name.padEnd(width)}  ${detail}`);
  }
  return `${lines.join('\n')}\n`;
}
