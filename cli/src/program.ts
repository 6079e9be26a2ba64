/** The `streamhub` command tree: one factory per area. */
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { type CliContext, processContext } from './cli-context.ts';
import { adminCommand } from './commands/admin.ts';
import { analyticsCommand } from './commands/analytics.ts';
import { channelCommand } from './commands/channel.ts';
import { dbCommand } from './commands/db.ts';
import { initCommand } from './commands/init.ts';
import { keysCommand } from './commands/keys.ts';
import { loginCommand, logoutCommand, whoamiCommand } from './commands/login.ts';
import { mediaCommand } from './commands/media.ts';
import { notificationsCommand } from './commands/notifications.ts';
import { paymentsCommand } from './commands/payments.ts';
import { devCommand, serveCommand } from './commands/serve.ts';
import { statusCommand } from './commands/status.ts';
import { streamCommand } from './commands/stream.ts';
import { userCommand } from './commands/user.ts';
import { videoCommand } from './commands/video.ts';
import { webhooksCommand } from './commands/webhooks.ts';

export function createProgram(ctx: CliContext = processContext()): Command {
  const program = new Command('streamhub')
    .description('StreamHub: self-hostable live streaming and video on demand')
    .version(packageJson.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  for (const command of [
    initCommand(ctx),
    dbCommand(ctx),
    keysCommand(ctx),
    mediaCommand(ctx),
    loginCommand(ctx),
    logoutCommand(ctx),
    whoamiCommand(ctx),
    userCommand(ctx),
    adminCommand(ctx),
    channelCommand(ctx),
    streamCommand(ctx),
    videoCommand(ctx),
    analyticsCommand(ctx),
    paymentsCommand(ctx),
    webhooksCommand(ctx),
    notificationsCommand(ctx),
    serveCommand(ctx),
    devCommand(ctx),
    statusCommand(ctx),
  ]) {
    program.addCommand(command);
  }
  return program;
}
