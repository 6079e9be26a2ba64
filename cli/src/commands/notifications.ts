/** `streamhub notifications …`: the caller's in-app notifications, through the gateway's API. */
import { type Notification, NotificationPageSchema } from '@streamhub/contracts/notifications';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type ApiOptions, apiOptions, connectApi } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { printRecords } from '../output.ts';

interface NotificationOptions extends ApiOptions {
  json?: boolean;
}

const notificationRow = (notification: Notification) => ({
  id: notification.id,
  type: notification.type,
  read: notification.readAt === null ? 'no' : 'yes',
  created: notification.createdAt,
  link: notification.url,
});

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON for scripts');
};

const pageSize = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
};

export function notificationsCommand(ctx: CliContext): Command {
  const notifications = new Command('notifications').description(
    'your in-app notifications (through the gateway API)',
  );

  withApi(notifications.command('list').description('your notifications, newest first'))
    .option('--unread', 'only unread ones')
    .option('--limit <n>', 'how many (1-100)', pageSize, 20)
    .option('--cursor <cursor>', 'the next page, from the previous one')
    .action(async (options: NotificationOptions & { unread?: boolean; limit: number; cursor?: string }) => {
      const api = await connectApi(ctx, options);
      const page = await api.read(
        api.v1.notifications.$get({
          query: {
            limit: String(options.limit),
            ...(options.unread ? { unread: 'true' as const } : {}),
            ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
          },
        }),
        NotificationPageSchema,
      );
      if (options.json) {
        ctx.stdout(`${JSON.stringify(page)}\n`);
        return;
      }
      printRecords(ctx, page.items.map(notificationRow), false);
      if (page.nextCursor !== null) ctx.stdout(`\nmore: --cursor ${page.nextCursor}\n`);
    });

  withApi(notifications.command('read-all').description('mark all your notifications read')).action(
    async (options: NotificationOptions) => {
      const api = await connectApi(ctx, options);
      // A 204's empty body reads as undefined.
      await api.read(api.v1.notifications['read-all'].$post(), z.undefined());
      if (options.json) ctx.stdout(`${JSON.stringify({ readAll: true })}\n`);
      else ctx.stdout('all notifications marked read\n');
    },
  );

  return notifications;
}
