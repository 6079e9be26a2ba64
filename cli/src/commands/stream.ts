/** `streamhub stream key …`: the caller's stream keys, through the gateway's API. */
import {
  ChannelSchema,
  type CreatedStreamKey,
  CreatedStreamKeySchema,
  type StreamKey,
  StreamKeyListSchema,
  StreamKeySchema,
} from '@streamhub/contracts/channels';
import { Command } from 'commander';
import { type ApiClient, type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { printRecords } from '../output.ts';

interface KeyOptions extends ApiOptions {
  channel?: string;
  json?: boolean;
}

const row = (key: StreamKey) => ({
  id: key.id,
  name: key.name,
  key: key.masked,
  created: key.createdAt,
  'last used': key.lastUsedAt ?? '-',
  revoked: key.revokedAt ?? '-',
});

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command
    .option('--channel <slug>', 'channel slug (default: your channel)')
    .option('--json', 'print JSON for scripts');
};

/** The channel's slug: --channel, else the caller's own channel. */
async function channelSlug(api: ApiClient, channel: string | undefined): Promise<string> {
  return channel ?? (await api.read(api.v1.me.channel.$get(), ChannelSchema)).slug;
}

function printSecret(ctx: CliContext, key: CreatedStreamKey, json: boolean | undefined): void {
  if (json) {
    ctx.stdout(`${JSON.stringify(key)}\n`);
    return;
  }
  printRecords(ctx, [row(key)], false);
  ctx.stdout(
    `\nstream key: ${key.secret}\nIt is shown only now; paste it into OBS. Anyone with it can broadcast as you.\n`,
  );
}

export function streamCommand(ctx: CliContext): Command {
  const stream = new Command('stream').description('broadcasting (through the gateway API)');
  const key = stream.command('key').description('stream keys for OBS and other RTMP encoders');

  withApi(key.command('create').description('create a stream key; its secret is printed once'))
    .requiredOption('--name <name>', 'what the key is for, e.g. "OBS desktop"')
    .action(async (options: KeyOptions & { name: string }) => {
      const api = await connectApi(ctx, options);
      const slug = await channelSlug(api, options.channel);
      const created = await api.read(
        api.v1.channels[':slug'].keys.$post({ param: pathParams({ slug }), json: { name: options.name } }),
        CreatedStreamKeySchema,
      );
      printSecret(ctx, created, options.json);
    });

  withApi(key.command('list').description('list stream keys (masked)')).action(
    async (options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const slug = await channelSlug(api, options.channel);
      const { items } = await api.read(
        api.v1.channels[':slug'].keys.$get({ param: pathParams({ slug }) }),
        StreamKeyListSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(items)}\n`);
      else printRecords(ctx, items.map(row), false);
    },
  );

  withApi(key.command('rotate').description('replace a key with a new secret; the old one stops working'))
    .argument('<id>', 'key id (from `stream key list`)')
    .action(async (id: string, options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const param = pathParams({ slug: await channelSlug(api, options.channel), id });
      const rotated = await api.read(
        api.v1.channels[':slug'].keys[':id'].rotate.$post({ param }),
        CreatedStreamKeySchema,
      );
      printSecret(ctx, rotated, options.json);
    });

  withApi(key.command('revoke').description('revoke a key; publishing with it is refused from now on'))
    .argument('<id>', 'key id (from `stream key list`)')
    .action(async (id: string, options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const param = pathParams({ slug: await channelSlug(api, options.channel), id });
      const revoked = await api.read(
        api.v1.channels[':slug'].keys[':id'].$delete({ param }),
        StreamKeySchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(revoked)}\n`);
      else printRecords(ctx, [row(revoked)], false);
    });
  return stream;
}
