/** `streamhub user …`: account provisioning by an operator, straight on the database. */
import { hashPassword } from '@streamhub/api/domains/auth/password';
import { SessionsRepository } from '@streamhub/api/domains/auth/sessions.repository';
import { UsersRepository } from '@streamhub/api/domains/users/users.repository';
import { EmailSchema, PasswordSchema, USER_ROLES, UsernameSchema } from '@streamhub/contracts/auth';
import { UniqueViolationError } from '@streamhub/db/errors';
import type { UserRole, UserRow } from '@streamhub/db/schema/auth';
import { Command, Option } from 'commander';
import type { z } from 'zod';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';
import { promptSecret, readSecretFromStdin } from '../read-secret.ts';
import { withDatabase } from '../with-database.ts';

function valid<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}

const roleOption = () =>
  new Option('--role <role>', 'role of the account').choices(USER_ROLES).default('viewer');

const row = (user: UserRow) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  role: user.role,
  status: user.status,
  created: user.createdAt.toISOString(),
});

async function findUser(users: UsersRepository, username: string): Promise<UserRow> {
  const user = await users.findByUsername(username);
  if (!user) throw new CliError(`no user named "${username}"`);
  return user;
}

export function userCommand(ctx: CliContext): Command {
  const user = new Command('user').description('accounts and roles (opens the database directly)');

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
        const passwordHash = await hashPassword(password);
        const created = await withDatabase(ctx, async ({ db }) => {
          try {
            // Created by an operator, who vouches for the address.
            return await new UsersRepository(db).create({
              email,
              username,
              role: options.role,
              passwordHash,
              emailVerifiedAt: new Date(),
            });
          } catch (error) {
            if (error instanceof UniqueViolationError)
              throw new CliError(`that ${error.constraint} is already registered`);
            throw error;
          }
        });
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
      const page = await withDatabase(ctx, ({ db }) =>
        new UsersRepository(db).list({ limit, query: options.query }),
      );
      printRecords(ctx, page.items.map(row), options.json === true);
    });

  user
    .command('role')
    .description("change a user's role")
    .argument('<username>')
    .addArgument(new Command().createArgument('<role>', 'new role').choices(USER_ROLES))
    .action(async (username: string, role: UserRole) => {
      await withDatabase(ctx, async ({ db }) => {
        const users = new UsersRepository(db);
        await users.setRole((await findUser(users, username)).id, role);
      });
      ctx.stdout(`${username} is now ${role}\n`);
    });

  for (const [name, status] of [
    ['suspend', 'suspended'],
    ['unsuspend', 'active'],
  ] as const) {
    user
      .command(name)
      .description(
        status === 'suspended' ? 'suspend a user: their sessions end at once' : 'lift a suspension',
      )
      .argument('<username>')
      .action(async (username: string) => {
        await withDatabase(ctx, async ({ db }) => {
          const users = new UsersRepository(db);
          const target = await findUser(users, username);
          await users.setStatus(target.id, status);
          if (status === 'suspended')
            await new SessionsRepository(db).revokeAllForUser(target.id, 'suspended');
        });
        ctx.stdout(`${username} is ${status}\n`);
      });
  }
  return user;
}
