/**
 * `streamhub admin settings get|set`: the instance settings an admin changes live, through the gateway's
 * API (`/api/v1/admin/settings`) with the caller's login, so every running gateway applies the change.
 */
import {
  type InstanceSettingsView,
  InstanceSettingsViewSchema,
  SETTING_KEYS,
  SETTING_VARIABLES,
  type SettingKey,
  type UpdateInstanceSettings,
} from '@streamhub/contracts/settings';
import { Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiOptions, connectApi } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { printRecords } from '../output.ts';

interface AdminOptions extends ApiOptions {
  json?: boolean;
}

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON for scripts');
};

const isSettingKey = (key: string): key is SettingKey => (SETTING_KEYS as string[]).includes(key);

/**
 * `key=value` → one entry of the change: `default` restores the environment's value; numbers are sent
 * as numbers and the gateway checks every bound (its refusal names the setting).
 */
export function parseAssignment(
  assignment: string,
  change: UpdateInstanceSettings = {},
): UpdateInstanceSettings {
  const [key = '', ...rest] = assignment.split('=');
  const value = rest.join('=').trim();
  if (!isSettingKey(key) || rest.length === 0 || value === '') {
    throw new InvalidArgumentError(
      `expected <setting>=<value> with a setting among ${SETTING_KEYS.join(', ')}.`,
    );
  }
  if (value === 'default') return { ...change, [key]: null };
  if (key === 'channelCreation') return { ...change, channelCreation: value as 'streamers' | 'verified' };
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${key} must be a whole number (or "default").`);
  return { ...change, [key]: Number(value) };
}

const rows = (view: InstanceSettingsView) =>
  SETTING_KEYS.map((key) => ({
    setting: key,
    value: String(view.effective[key]),
    default: `${view.defaults[key]} (${SETTING_VARIABLES[key]})`,
    changed: view.overridden[key]?.updatedAt ?? '-',
  }));

function print(ctx: CliContext, view: InstanceSettingsView, json: boolean | undefined): void {
  if (json) ctx.stdout(`${JSON.stringify(view)}\n`);
  else printRecords(ctx, rows(view), false);
}

export function adminCommand(ctx: CliContext): Command {
  const admin = new Command('admin').description('instance administration (admins, through the gateway API)');
  const settings = admin
    .command('settings')
    .description('the instance settings that change live on every gateway (README: the (admin) rows)');

  withApi(
    settings.command('get').description('what applies now, the defaults, and what an admin changed'),
  ).action(async (options: AdminOptions) => {
    const api = await connectApi(ctx, options);
    print(ctx, await api.read(api.v1.admin.settings.$get(), InstanceSettingsViewSchema), options.json);
  });

  withApi(settings.command('set').description('change settings; <setting>=default restores one'))
    .argument(
      '<setting=value...>',
      `settings among ${SETTING_KEYS.join(', ')}`,
      (value, previous?: UpdateInstanceSettings) => parseAssignment(value, previous),
    )
    .action(async (change: UpdateInstanceSettings, options: AdminOptions) => {
      const api = await connectApi(ctx, options);
      print(
        ctx,
        await api.read(api.v1.admin.settings.$patch({ json: change }), InstanceSettingsViewSchema),
        options.json,
      );
    });

  return admin;
}
