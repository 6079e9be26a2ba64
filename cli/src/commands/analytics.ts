/** `streamhub analytics video|channel|instance`: analytics reports, through the gateway's API. */
import { type Report, ReportSchema } from '@streamhub/contracts/analytics';
import { ChannelSchema } from '@streamhub/contracts/channels';
import { Command } from 'commander';
import { type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';

interface ReportOptions extends ApiOptions {
  from?: string;
  to?: string;
  bucket: string;
  json?: boolean;
}

const DAY_MS = 86_400_000;

/** `--from`/`--to` as ISO times: a date or a time, default the last 30 days. */
function range(options: ReportOptions): { from: string; to: string; bucket: 'hour' | 'day' | 'month' } {
  const parse = (value: string, name: string) => {
    const at = Date.parse(value);
    if (Number.isNaN(at))
      throw new CliError(`--${name} must be a date or time like 2026-11-01 (got "${value}")`);
    return new Date(at).toISOString();
  };
  const to = options.to ? parse(options.to, 'to') : new Date().toISOString();
  const from = options.from
    ? parse(options.from, 'from')
    : new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
  if (!['hour', 'day', 'month'].includes(options.bucket)) {
    throw new CliError(`--bucket must be hour, day or month (got "${options.bucket}")`);
  }
  return { from, to, bucket: options.bucket as 'hour' | 'day' | 'month' };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function print(ctx: CliContext, report: Report, json: boolean | undefined): void {
  if (json) {
    ctx.stdout(`${JSON.stringify(report)}\n`);
    return;
  }
  const { totals } = report;
  printRecords(
    ctx,
    [
      {
        views: String(totals.views),
        counted: String(totals.countedViews),
        viewers: String(totals.uniqueViewers),
        'watch time': seconds(totals.watchTimeMs),
        'avg view': seconds(totals.averageViewDurationMs),
        'startup p50': totals.startupP50Ms === null ? '-' : `${totals.startupP50Ms} ms`,
        'startup p95': totals.startupP95Ms === null ? '-' : `${totals.startupP95Ms} ms`,
        rebuffering: `${totals.rebufferPct} %`,
        failures: `${totals.failurePct} %`,
      },
    ],
    false,
  );
  ctx.stdout('\n');
  printRecords(
    ctx,
    report.series
      .filter((point) => point.views > 0)
      .map((point) => ({
        [report.bucket]: point.bucket,
        views: String(point.views),
        counted: String(point.countedViews),
        'watch time': seconds(point.watchTimeMs),
      })),
    false,
  );
}

const withOptions = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command
    .option('--from <date>', 'start of the range (default: 30 days before --to)')
    .option('--to <date>', 'end of the range, exclusive (default: now)')
    .option('--bucket <bucket>', 'hour, day or month', 'day')
    .option('--json', 'print the whole report as JSON');
};

export function analyticsCommand(ctx: CliContext): Command {
  const analytics = new Command('analytics').description(
    'views, watch time and playback quality (docs/analytics.md)',
  );

  withOptions(analytics.command('video').description("a video's report (its owner or an admin)"))
    .argument('<id>', 'the video id')
    .action(async (id: string, options: ReportOptions) => {
      const query = range(options);
      const api = await connectApi(ctx, options);
      const report = await api.read(
        api.v1.analytics.videos[':id'].report.$get({ param: pathParams({ id }), query }),
        ReportSchema,
      );
      print(ctx, report, options.json);
    });

  withOptions(analytics.command('channel').description("a channel's report (its owner or an admin)"))
    .argument('[slug]', 'the channel (default: your channel)')
    .action(async (slug: string | undefined, options: ReportOptions) => {
      const query = range(options);
      const api = await connectApi(ctx, options);
      const channel = slug ?? (await api.read(api.v1.me.channel.$get(), ChannelSchema)).slug;
      const report = await api.read(
        api.v1.analytics.channels[':slug'].report.$get({ param: pathParams({ slug: channel }), query }),
        ReportSchema,
      );
      print(ctx, report, options.json);
    });

  withOptions(analytics.command('instance').description('the whole instance (admins)')).action(
    async (options: ReportOptions) => {
      const query = range(options);
      const api = await connectApi(ctx, options);
      const report = await api.read(api.v1.analytics.instance.report.$get({ query }), ReportSchema);
      print(ctx, report, options.json);
    },
  );

  return analytics;
}
