/** `streamhub channel …`: the caller's channel, through the gateway's API. */
import {
  CHANNEL_CATEGORIES,
  type Channel,
  type ChannelCategory,
  ChannelSchema,
  type PublicChannel,
  PublicChannelSchema,
} from '@streamhub/contracts/channels';
import { type SystemInfo, SystemInfoSchema } from '@streamhub/contracts/system';
import { Command, Option } from 'commander';
import { type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';

const row = (channel: Channel) => ({
  slug: channel.slug,
  title: channel.title,
  category: channel.category,
  record: String(channel.record),
  created: channel.createdAt,
});

/** The channel's LL-HLS choice and what its next broadcast gets (the instance may decide or forbid). */
const lowLatencyLabel = (channel: Channel) =>
  `${channel.lowLatency === null ? 'default' : channel.lowLatency ? 'on' : 'off'} (${channel.lowLatencyEffective ? 'LL-HLS' : 'HLS'})`;

/** What a streamer needs to go live and to share: the channel, where to publish and where to watch. */
export function channelOverview(channel: Channel, page: PublicChannel, info: SystemInfo) {
  return {
    ...channel,
    live: page.live,
    liveSince: page.session?.startedAt ?? null,
    rtmpUrl: info.ingest.rtmpUrl,
    watchUrl: `${info.publicUrl}/watch/${encodeURIComponent(channel.slug)}`,
    playbackUrl: page.session?.playbackUrl ?? null,
  };
}
type ChannelOverview = ReturnType<typeof channelOverview>;

const humanOverview = (shown: ChannelOverview): [string, string][] => [
  ['slug', shown.slug],
  ['title', shown.title],
  ['category', shown.category],
  ['record', shown.record ? 'yes: each broadcast is kept as a video' : 'no'],
  ['live', shown.liveSince ? `yes, since ${shown.liveSince}` : 'no'],
  ['OBS server', shown.rtmpUrl],
  ['OBS stream key', 'from `streamhub stream key create --name OBS` (shown once)'],
  ['watch page', shown.watchUrl],
  ['playback', shown.playbackUrl ?? '- (while live)'],
];

/** One record as aligned `name  value` lines: a table row would be too wide for the URLs. */
function printFields(ctx: CliContext, fields: [string, string][]): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) ctx.stdout(`${name.padEnd(width)}  ${value}\n`);
}

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON for scripts');
};

export function channelCommand(ctx: CliContext): Command {
  const channel = new Command('channel').description('your channel (through the gateway API)');

  withApi(
    channel
      .command('create')
      .description('create your channel (needs the streamer role)')
      .requiredOption('--slug <slug>', 'URL name: 3-40 lowercase letters, digits and -')
      .requiredOption('--title <title>', 'title, up to 140 characters')
      .addOption(new Option('--category <category>', 'category').choices(CHANNEL_CATEGORIES).default('other'))
      .option('--language <tag>', 'language tag, e.g. en or pt-BR', 'en')
      .option('--tag <tag...>', 'tags (up to 10)')
      .option('--record', 'keep each broadcast as a video')
      .addOption(
        new Option(
          '--low-latency <choice>',
          "LL-HLS for the broadcasts (default: the instance's LIVE_LL_HLS)",
        ).choices(['on', 'off']),
      ),
  ).action(
    async (
      options: ApiOptions & {
        slug: string;
        title: string;
        category: ChannelCategory;
        language: string;
        tag?: string[];
        record?: boolean;
        lowLatency?: 'on' | 'off';
        json?: boolean;
      },
    ) => {
      const api = await connectApi(ctx, options);
      const created = await api.read(
        api.v1.channels.$post({
          json: {
            slug: options.slug,
            title: options.title,
            category: options.category,
            language: options.language,
            tags: options.tag ?? [],
            record: options.record === true,
            ...(options.lowLatency ? { lowLatency: options.lowLatency === 'on' } : {}),
          },
        }),
        ChannelSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(created)}\n`);
      else printRecords(ctx, [row(created)], false);
    },
  );

  withApi(
    channel
      .command('update')
      .description("change your channel's title or LL-HLS choice (owner)")
      .argument('[slug]', 'the channel (default: yours)')
      .option('--title <title>', 'title, up to 140 characters')
      .addOption(
        new Option(
          '--low-latency <choice>',
          "LL-HLS for the next broadcasts; default follows the instance's LIVE_LL_HLS",
        ).choices(['on', 'off', 'default']),
      ),
  ).action(
    async (
      slug: string | undefined,
      options: ApiOptions & { title?: string; lowLatency?: 'on' | 'off' | 'default'; json?: boolean },
    ) => {
      if (options.title === undefined && options.lowLatency === undefined) {
        throw new CliError('nothing to change: pass --title or --low-latency');
      }
      const api = await connectApi(ctx, options);
      const target = slug ?? (await api.read(api.v1.me.channel.$get(), ChannelSchema)).slug;
      // null clears the channel's own choice (the API's "follow the instance"), unlike leaving it out.
      const lowLatency = { on: true, off: false, default: null, none: undefined }[
        options.lowLatency ?? 'none'
      ];
      const updated = await api.read(
        api.v1.channels[':slug'].$patch({
          param: pathParams({ slug: target }),
          json: {
            ...(options.title !== undefined ? { title: options.title } : {}),
            ...(lowLatency !== undefined ? { lowLatency } : {}),
          },
        }),
        ChannelSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(updated)}\n`);
      else printRecords(ctx, [{ ...row(updated), lowLatency: lowLatencyLabel(updated) }], false);
    },
  );

  withApi(
    channel
      .command('show')
      .description('your channel: the server URL for OBS, whether it is live, its watch and playback URLs'),
  ).action(async (options: ApiOptions & { json?: boolean }) => {
    const api = await connectApi(ctx, options);
    const mine = await api.read(api.v1.me.channel.$get(), ChannelSchema);
    const [page, info] = await Promise.all([
      api.read(
        api.v1.channels[':slug'].$get({ param: pathParams({ slug: mine.slug }) }),
        PublicChannelSchema,
      ),
      api.read(api.v1.system.info.$get(), SystemInfoSchema),
    ]);
    const shown = channelOverview(mine, page, info);
    if (options.json) ctx.stdout(`${JSON.stringify(shown)}\n`);
    else printFields(ctx, humanOverview(shown));
  });
  return channel;
}
