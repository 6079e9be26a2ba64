/**
 * How `streamhub user …` reaches the accounts. Normally the CLI opens the configured database and calls
 * the users service, built exactly as a gateway builds it (same rules, same `user.suspended` event on
 * the same event bus). When a running server holds the embedded data directory, nothing else may open
 * it: the command then goes through that server's admin API with the caller's login, or refuses.
 */
import { generateSigningJwk, keyRingFromJson } from '@streamhub/api/domains/auth/signing-keys';
import {
  type AdminUser,
  AdminUserSchema,
  type CreateUserRequest,
  UserListSchema,
} from '@streamhub/contracts/users';
import { DataDirLockedError } from '@streamhub/db/data-dir-lock';
import type { UserRole } from '@streamhub/db/schema/users';
import { createLogger } from '@streamhub/logger/logger';
import { type ApiClient, connectApi, pathParams } from '../api-client.ts';
import { type CliContext, configFrom } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { readSavedLogin } from '../saved-login.ts';
import { heldBy, notMigrated } from '../with-database.ts';

export type UserStatusChange = 'suspended' | 'active';

/** The account operations of `streamhub user`, by username. */
export interface UserAdmin {
  create(input: CreateUserRequest): Promise<AdminUser>;
  list(options: { query?: string; limit: number }): Promise<AdminUser[]>;
  setRole(username: string, role: UserRole): Promise<AdminUser>;
  setStatus(username: string, status: UserStatusChange): Promise<AdminUser>;
}

/**
 * Runs `work` on the database, or through the server that holds the embedded data directory. In that
 * case a line on stderr says so, so that the caller knows which server made the change.
 */
export async function withUserAdmin<T>(ctx: CliContext, work: (admin: UserAdmin) => Promise<T>): Promise<T> {
  try {
    return await withLocalUserAdmin(ctx, work);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const api = await serverApi(ctx, error);
    ctx.stderr(`(through the running server at ${api.origin}: it holds ${error.dataDir})\n`);
    return work(remoteUserAdmin(api));
  }
}

async function withLocalUserAdmin<T>(ctx: CliContext, work: (admin: UserAdmin) => Promise<T>): Promise<T> {
  const config = configFrom(ctx);
  // Loaded here: a command that goes through a server (or fails on input) does not pay for the gateway.
  const [{ openBackends }, { servicesOnBackends }, { UsersRepository }] = await Promise.all([
    import('@streamhub/api/runtime/backends'),
    import('@streamhub/api/runtime/services-on-backends'),
    import('@streamhub/api/domains/users/users.repository'),
  ]);
  // Warnings and errors of the backends go to stderr as JSON lines; stdout is the command's answer.
  const logger = createLogger({
    level: 'warn',
    name: 'cli',
    destination: { write: (line) => ctx.stderr(line) },
  });
  // The embedded directory is this process's alone while it holds the lock, so it can bring the schema
  // up to date as `streamhub dev` does. PostgreSQL is migrated by `streamhub db migrate` only.
  const backends = await openBackends(config, logger, { migrate: !config.databaseUrl });
  try {
    const { users } = servicesOnBackends(backends, {
      config,
      logger,
      // The CLI signs no tokens (it only revokes sessions), so it needs no access to the real keys.
      signingKeys: await keyRingFromJson(JSON.stringify({ keys: [await generateSigningJwk()] }), 'cli'),
      broadcast: [],
    });
    const repository = new UsersRepository(backends.database.db);
    const find = async (username: string) => {
      const user = await repository.findByUsername(username);
      if (!user) throw noSuchUser(username);
      return user;
    };
    return await work({
      create: (input) => users.create(input),
      list: async ({ query, limit }) => (await users.list({ limit, ...(query ? { query } : {}) })).items,
      setRole: async (username, role) => users.setRole(null, (await find(username)).id, role),
      setStatus: async (username, status) => {
        const { id } = await find(username);
        if (status === 'active') return users.unsuspend(id);
        const user = await users.suspend(null, id);
        // Without Redis each server has its own in-process event bus: `user.suspended` reaches none of them.
        if (config.databaseUrl && !config.redisUrl) {
          ctx.stderr(
            `note: without REDIS_URL the running servers do not hear of this suspension: a live broadcast of ${username} goes on until it ends (suspending through the API cuts it at once)\n`,
          );
        }
        return user;
      },
    });
  } catch (error) {
    throw notMigrated(error) ?? error;
  } finally {
    await backends.close();
  }
}

const noSuchUser = (username: string) => new CliError(`no user named "${username}"`);

/**
 * A client of the gateway the holder serves, with the caller's credentials (STREAMHUB_TOKEN or the saved
 * login for that gateway). Without either, the one-line refusal says who holds the directory and what
 * to do.
 */
async function serverApi(ctx: CliContext, held: DataDirLockedError): Promise<ApiClient> {
  const url = held.holder.url;
  if (!url) throw heldBy(held, 'it serves no API this command could use; stop it first');
  const token = ctx.env.STREAMHUB_TOKEN;
  const saved = token ? undefined : await readSavedLogin(ctx).catch(() => undefined);
  const loginUrl = saved && sameLocalGateway(saved.url, url) ? saved.url : undefined;
  if (!token && !loginUrl) {
    throw heldBy(
      held,
      `log in to it as an admin (\`streamhub login --url ${url}\`) and run this again, or stop it first`,
    );
  }
  return connectApi(ctx, { url: loginUrl ?? url });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `http://localhost:3000` and `http://127.0.0.1:3000` are one gateway when the holder runs on this host. */
function sameLocalGateway(login: string, served: string): boolean {
  try {
    const a = new URL(login);
    const b = new URL(served);
    if (a.origin === b.origin) return true;
    return (
      a.protocol === b.protocol && a.port === b.port && LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname)
    );
  } catch {
    return false;
  }
}

// The admin API answers at most this many users per page.
const PAGE = 100;

function remoteUserAdmin(api: ApiClient): UserAdmin {
  const page = (query: string | undefined, limit: number, cursor: string | null) =>
    api.read(
      api.v1.users.$get({
        query: { limit: String(limit), query: query || undefined, cursor: cursor ?? undefined },
      }),
      UserListSchema,
    );
  const list = async (query: string | undefined, limit: number) => {
    const users: AdminUser[] = [];
    let cursor: string | null = null;
    do {
      const answer = await page(query, Math.min(PAGE, limit - users.length), cursor);
      users.push(...answer.items);
      cursor = answer.nextCursor;
    } while (cursor && users.length < limit);
    return users;
  };
  // The list searches by substring: the exact name is among the matches if it exists.
  const find = async (username: string) => {
    const wanted = username.toLowerCase();
    const user = (await list(username, Number.POSITIVE_INFINITY)).find(
      (u) => u.username.toLowerCase() === wanted,
    );
    if (!user) throw noSuchUser(username);
    return user;
  };
  return {
    create: (input) => api.read(api.v1.users.$post({ json: input }), AdminUserSchema),
    list: ({ query, limit }) => list(query, limit),
    async setRole(username, role) {
      const param = pathParams({ id: (await find(username)).id });
      return api.read(api.v1.users[':id'].role.$put({ param, json: { role } }), AdminUserSchema);
    },
    async setStatus(username, status) {
      const user = api.v1.users[':id'];
      const param = pathParams({ id: (await find(username)).id });
      const call = status === 'suspended' ? user.suspend.$post({ param }) : user.unsuspend.$post({ param });
      return api.read(call, AdminUserSchema);
    },
  };
}
