/** `streamhub channel …`: the caller's channel, through the gateway's API. */
import {
  CHANNEL_CATEGORIES,
  type Channel,
  type ChannelCategory,
  ChannelSchema,
} from '@streamhub/contracts/live';
import { Command, Option } from 'commander';
import { type ApiOptions, apiOptions, connectApi } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { printRecords } from '../output.ts';

const row = (channel: Channel) => ({
  slug: channel.slug,
  title: channel.title,
  category: channel.category,
  record: String(channel.record),
  created: channel.createdAt,
});

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
      .option('--record', 'keep each broadcast as a video'),
  ).action(
    async (
      options: ApiOptions & {
        slug: string;
        title: string;
        category: ChannelCategory;
        language: string;
        tag?: string[];
        record?: boolean;
        json?: boolean;
      },
    ) => {
      const created = await (await connectApi(ctx, options)).request(
        'POST',
        '/api/v1/channels',
        ChannelSchema,
        {
          slug: options.slug,
          title: options.title,
          category: options.category,
          language: options.language,
          tags: options.tag ?? [],
          record: options.record === true,
        },
      );
      if (options.json) ctx.stdout(`${JSON.stringify(created)}\n`);
      else printRecords(ctx, [row(created)], false);
    },
  );

  withApi(channel.command('show').description('show your channel')).action(
    async (options: ApiOptions & { json?: boolean }) => {
      const mine = await (await connectApi(ctx, options)).request(
        'GET',
        '/api/v1/channels/mine',
        ChannelSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(mine)}\n`);
      else printRecords(ctx, [row(mine)], false);
    },
  );
  return channel;
}
