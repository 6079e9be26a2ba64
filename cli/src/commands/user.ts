/**
 * `streamhub user …`: account provisioning by an operator. The commands call the users service on the
 * configured database, or go through the running server that holds the embedded one (see user-admin.ts).
 */
import { EmailSchema, PasswordSchema, USER_ROLES, UsernameSchema } from '@streamhub/contracts/auth';
import type { AdminUser } from '@streamhub/contracts/users';
import type { UserRole } from '@streamhub/db/schema/users';
import { Command, Option } from 'commander';
import type { z } from 'zod';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';
import { promptSecret, readSecretFromStdin } from '../read-secret.ts';
import { withUserAdmin } from './user-admin.ts';

function valid<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}

const roleOption = () =>
  new Option('--role <role>', 'role of the account').choices(USER_ROLES).default('viewer');

const row = (user: AdminUser) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  role: user.role,
  status: user.status,
  created: user.createdAt,
});

export function userCommand(ctx: CliContext): Command {
  const user = new Command('user').description(
    'accounts and roles (on the database, or through the running server that holds it)',
  );

  user
    .command('create')
    .description('create an account (the password is prompted for, or read from stdin with --password-stdin)')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--username <username>', 'username')
    .addOption(roleOption())
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        email: string;
        username: string;
        role: UserRole;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        const email = valid(EmailSchema, options.email, '--email');
        const username = valid(UsernameSchema, options.username, '--username');
        const secret = options.passwordStdin ? await readSecretFromStdin() : await promptSecret('Password: ');
        const password = valid(PasswordSchema, secret, 'the password');
        const created = await withUserAdmin(ctx, (admin) =>
          admin.create({ email, username, password, role: options.role }),
        );
        printRecords(ctx, [row(created)], options.json === true);
      },
    );

  user
    .command('list')
    .description('list accounts, oldest first')
    .option('--query <text>', 'only usernames or emails containing this')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { query?: string; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new CliError('--limit must be a whole number from 1 to 1000');
      const users = await withUserAdmin(ctx, (admin) => admin.list({ limit, query: options.query }));
      printRecords(ctx, users.map(row), options.json === true);
    });

  user
    .command('role')
    .description("change a user's role (applies to their next request)")
    .argument('<username>')
    .addArgument(new Command().createArgument('<role>', 'new role').choices(USER_ROLES))
    .action(async (username: string, role: UserRole) => {
      await withUserAdmin(ctx, (admin) => admin.setRole(username, role));
      ctx.stdout(`${username} is now ${role}\n`);
    });

  for (const [name, status] of [
    ['suspend', 'suspended'],
    ['unsuspend', 'active'],
  ] as const) {
    user
      .command(name)
      .description(
        status === 'suspended'
          ? 'suspend a user: their sessions end at once and a live broadcast of theirs is cut'
          : 'lift a suspension',
      )
      .argument('<username>')
      .action(async (username: string) => {
        await withUserAdmin(ctx, (admin) => admin.setStatus(username, status));
        ctx.stdout(`${username} is ${status}\n`);
      });
  }
  return user;
}
