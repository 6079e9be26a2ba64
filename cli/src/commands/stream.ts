/** `streamhub stream key …`: the caller's stream keys, through the gateway's API. */
import {
  ChannelSchema,
  type CreatedStreamKey,
  CreatedStreamKeySchema,
  type StreamKey,
  StreamKeyListSchema,
  StreamKeySchema,
} from '@streamhub/contracts/live';
import { Command } from 'commander';
import { type ApiClient, type ApiOptions, apiOptions, connectApi } from '../api-client.ts';
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

/** The channel's keys path; without --channel, the caller's own channel. */
async function keysPath(api: ApiClient, channel: string | undefined): Promise<string> {
  const slug = channel ?? (await api.request('GET', '/api/v1/channels/mine', ChannelSchema)).slug;
  return `/api/v1/channels/${encodeURIComponent(slug)}/keys`;
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
      const created = await api.request(
        'POST',
        await keysPath(api, options.channel),
        CreatedStreamKeySchema,
        {
          name: options.name,
        },
      );
      printSecret(ctx, created, options.json);
    });

  withApi(key.command('list').description('list stream keys (masked)')).action(
    async (options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const { items } = await api.request('GET', await keysPath(api, options.channel), StreamKeyListSchema);
      if (options.json) ctx.stdout(`${JSON.stringify(items)}\n`);
      else printRecords(ctx, items.map(row), false);
    },
  );

  withApi(key.command('rotate').description('replace a key with a new secret; the old one stops working'))
    .argument('<id>', 'key id (from `stream key list`)')
    .action(async (id: string, options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const path = `${await keysPath(api, options.channel)}/${encodeURIComponent(id)}/rotate`;
      printSecret(ctx, await api.request('POST', path, CreatedStreamKeySchema), options.json);
    });

  withApi(key.command('revoke').description('revoke a key; publishing with it is refused from now on'))
    .argument('<id>', 'key id (from `stream key list`)')
    .action(async (id: string, options: KeyOptions) => {
      const api = await connectApi(ctx, options);
      const path = `${await keysPath(api, options.channel)}/${encodeURIComponent(id)}`;
      const revoked = await api.request('DELETE', path, StreamKeySchema);
      if (options.json) ctx.stdout(`${JSON.stringify(revoked)}\n`);
      else printRecords(ctx, [row(revoked)], false);
    });
  return stream;
}
