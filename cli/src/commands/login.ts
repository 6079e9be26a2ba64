/** `streamhub login`, `logout` and `whoami`: the session later commands use without --token. */
import { createInterface } from 'node:readline';
import { MyAccountSchema } from '@streamhub/contracts/users';
import { Command, Option } from 'commander';
import { type ApiOptions, apiOptions, connectApi, logIn, logOut } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';
import { promptSecret, readSecretFromStdin } from '../read-secret.ts';
import { savedLoginPath } from '../saved-login.ts';

async function promptLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no terminal to prompt on; pass --email');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

export function loginCommand(ctx: CliContext): Command {
  return new Command('login')
    .description(
      'sign in to a gateway and keep the session for later commands (the password is prompted for, or read from stdin with --password-stdin)',
    )
    .addOption(new Option('--url <url>', 'gateway URL, remembered for later commands (env STREAMHUB_URL)'))
    .option('--email <email>', 'account email (prompted for when missing)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { url?: string; email?: string; passwordStdin?: boolean; json?: boolean }) => {
      const email = (options.email ?? (await promptLine('Email: '))).trim();
      if (!email) throw new CliError('an email is needed');
      const password = options.passwordStdin ? await readSecretFromStdin() : await promptSecret('Password: ');
      if (!password) throw new CliError('a password is needed');
      const login = await logIn(ctx, { url: options.url }, email, password);
      if (options.json) ctx.stdout(`${JSON.stringify({ url: login.url, email: login.email })}\n`);
      else ctx.stdout(`logged in to ${login.url} as ${login.email} (saved in ${savedLoginPath(ctx)})\n`);
    });
}

export function logoutCommand(ctx: CliContext): Command {
  return new Command('logout')
    .description('end the saved session on the gateway and delete it from this computer')
    .action(async () => {
      const ended = await logOut(ctx);
      if (!ended) ctx.stdout('not logged in\n');
      else if (ended.revoked) ctx.stdout(`logged out of ${ended.url}\n`);
      else ctx.stdout(`the session on ${ended.url} had already ended; the saved login is deleted\n`);
    });
}

export function whoamiCommand(ctx: CliContext): Command {
  const command = new Command('whoami').description('the account the CLI acts as, and on which gateway');
  for (const option of apiOptions()) command.addOption(option);
  return command
    .option('--json', 'print JSON for scripts')
    .action(async (options: ApiOptions & { json?: boolean }) => {
      const api = await connectApi(ctx, options);
      const me = await api.read(api.v1.me.$get(), MyAccountSchema);
      const who = { username: me.username, email: me.email, role: me.role, gateway: api.origin };
      if (options.json) ctx.stdout(`${JSON.stringify(who)}\n`);
      else printRecords(ctx, [who], false);
    });
}
