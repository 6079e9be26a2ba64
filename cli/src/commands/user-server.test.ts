import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { DOMAIN_EVENTS, type DomainEventPayload } from '@streamhub/contracts/events';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { MyAccountSchema } from '@streamhub/contracts/users';
import { DATA_DIR_LOCK_FILE } from '@streamhub/db/data-dir-lock';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import { freePort } from '@streamhub/infra/shared/free-port';
import { withDeadline } from '@streamhub/infra/shared/timers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, userCreateArgs, waitForExit, waitForOk } from '../testing/cli-process.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'a fine long password';
const tempDir = () => mkdtempSync(join(tmpdir(), 'streamhub-user-server-'));

const running: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function login(base: string, email: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return TokenPairSchema.parse(await response.json()).accessToken;
}

const get = (base: string, path: string, token?: string) =>
  fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

const createChannel = (base: string, token: string, slug: string) =>
  fetch(`${base}/api/v1/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ slug, title: `${slug} live` }),
  });

const problemCode = async (response: Response) => ProblemSchema.parse(await response.json()).code;

/** The lines a command printed on stderr, so a test can require exactly one. */
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('streamhub user while `streamhub dev` holds the embedded data directory', {
  timeout: 240_000,
}, () => {
  it('refuses in one line without a login, goes through the server with one, and never loses a change', async () => {
    const cwd = tempDir();
    // Each process gets its own config directory for the saved login, never the developer's.
    const env = { HOST: '127.0.0.1', XDG_CONFIG_HOME: join(cwd, 'config') };
    const cli = (args: string[], input?: string) => runCli(args, { cwd, env, input });
    const createUser = (username: string, role = 'viewer') =>
      cli(userCreateArgs(username, { role }), PASSWORD);

    // A data directory that was never migrated: the command migrates it first.
    const admin = await createUser('root_admin', 'admin');
    expect(admin.stderr).toBe('');
    expect(admin.code).toBe(0);

    const port = await freePort();
    const dev = startCli(['dev'], {
      cwd,
      env: { ...env, PORT: String(port), RTMP_PORT: String(await freePort()) },
    });
    running.push(dev);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, 90_000, dev);
    const lock = JSON.parse(readFileSync(join(cwd, '.streamhub', DATA_DIR_LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({ pid: dev.pid, command: 'streamhub dev', url: base });

    // Not logged in: one line naming the holder and what to do, and no change anywhere.
    for (const args of [
      ['user', 'role', 'root_admin', 'viewer'],
      ['user', 'list'],
    ]) {
      const refused = await cli(args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        `streamhub: ${join(cwd, '.streamhub')} is held by another StreamHub process (pid ${dev.pid}, streamhub dev): log in to it as an admin (\`streamhub login --url ${base}\`) and run this again, or stop it first`,
      ]);
      expect(refused.stdout).toBe('');
    }
    const refusedCreate = await createUser('lost_one');
    expect(refusedCreate.code).toBe(1);
    expect(lines(refusedCreate.stderr)).toHaveLength(1);
    const migrate = await cli(['db', 'migrate']);
    expect(migrate.code).toBe(1);
    expect(lines(migrate.stderr)).toEqual([
      `streamhub: ${join(cwd, '.streamhub')} is held by another StreamHub process (pid ${dev.pid}, streamhub dev): stop it first (\`streamhub dev\` migrates the database itself when it starts)`,
    ]);
    const adminToken = await login(base, 'root_admin@example.com');
    expect((await get(base, '/api/v1/me', adminToken)).status).toBe(200);

    // Logged in as an admin: the commands go through the server, which sees every change at once.
    expect(
      (await cli(['login', '--url', base, '--email', 'root_admin@example.com', '--password-stdin'], PASSWORD))
        .code,
    ).toBe(0);
    const created = await createUser('new_streamer');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe(
      `(through the running server at ${base}: it holds ${join(cwd, '.streamhub')})\n`,
    );
    expect(created.stdout).toMatch(/new_streamer\s+new_streamer@example\.com\s+viewer\s+active/);
    expect((await get(base, '/api/v1/users/new_streamer')).status).toBe(200);

    const streamer = await login(base, 'new_streamer@example.com');
    expect(await problemCode(await createChannel(base, streamer, 'first-try'))).toBe('forbidden');
    const promoted = await cli(['user', 'role', 'New_Streamer', 'streamer']);
    expect(promoted.stdout).toBe('New_Streamer is now streamer\n');
    expect((await createChannel(base, streamer, 'second-try')).status).toBe(201);

    expect((await createUser('bad_actor')).code).toBe(0);
    const badToken = await login(base, 'bad_actor@example.com');
    expect((await cli(['user', 'suspend', 'bad_actor'])).stdout).toBe('bad_actor is suspended\n');
    // Its sessions were revoked with the suspension.
    expect(await problemCode(await get(base, '/api/v1/me', badToken))).toBe('invalid_token');
    const listed = await cli(['user', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { username: 'root_admin' },
      { username: 'new_streamer', role: 'streamer' },
      { username: 'bad_actor', status: 'suspended' },
    ]);
    // The server's own rules apply: an admin cannot suspend themselves.
    const self = await cli(['user', 'suspend', 'root_admin']);
    expect(self.code).toBe(1);
    expect(lines(self.stderr).at(-1)).toMatch(
      /^streamhub: You cannot suspend your own account\. \(conflict\)$/,
    );

    // After a restart every change is still there, and the CLI opens the directory itself again.
    dev.kill('SIGTERM');
    expect(await waitForExit(dev)).toBe(0);
    const after = await cli(['user', 'list', '--json']);
    expect(after.stderr).toBe('');
    expect(JSON.parse(after.stdout)).toMatchObject([
      { username: 'root_admin', role: 'admin' },
      { username: 'new_streamer', role: 'streamer' },
      { username: 'bad_actor', status: 'suspended' },
    ]);
  });

  it('takes over the directory of a server killed with SIGKILL', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const env = { HOST: '127.0.0.1', XDG_CONFIG_HOME: join(cwd, 'config') };
    const dev = startCli(['dev'], {
      cwd,
      env: { ...env, PORT: String(port), RTMP_PORT: String(await freePort()) },
    });
    running.push(dev);
    await waitForOk(`http://127.0.0.1:${port}/healthz`, 90_000, dev);
    dev.kill('SIGKILL');
    await waitForExit(dev);
    const listed = await runCli(['user', 'list', '--json'], { cwd, env });
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});

describe('streamhub user beside `serve api` on PostgreSQL and Redis', { timeout: 240_000 }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it("applies the CLI's role changes and suspensions on the server's next request, and publishes user.suspended", async () => {
    const scratch = await createScratchPostgresDatabase();
    cleanups.push(() => scratch.drop());
    const cwd = tempDir();
    const prefix = `test-${crypto.randomUUID()}:`;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      DATABASE_URL: scratch.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
    };
    const cli = (args: string[], input?: string) => runCli(args, { cwd, env, input });
    expect((await cli(['db', 'migrate'])).code).toBe(0);
    const keys = await cli(['keys', 'generate', '--print']);
    env.SIGNING_KEYS = keys.stdout.trim();
    const created = await cli(userCreateArgs('caster', { json: true }), PASSWORD);
    expect(created.stderr).toBe('');
    const casterId: string = JSON.parse(created.stdout)[0].id;

    const port = await freePort();
    const api = startCli(['serve', 'api'], { cwd, env: { ...env, PORT: String(port) } });
    running.push(api);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, 90_000, api);

    const events = await createEventBus(DOMAIN_EVENTS, { redisUrl: TEST_REDIS_URL, prefix });
    cleanups.push(() => events.close());
    const suspended = new Promise<DomainEventPayload<'user.suspended'>>((resolve) =>
      events.subscribe('user.suspended', (payload) => resolve(payload)),
    );
    await events.ready();

    const token = await login(base, 'caster@example.com');
    expect(await problemCode(await createChannel(base, token, 'caster-tv'))).toBe('forbidden');
    const promoted = await cli(['user', 'role', 'caster', 'streamer']);
    expect(promoted.stderr).toBe('');
    expect(promoted.code).toBe(0);
    // The same access token, on the very next request.
    expect((await createChannel(base, token, 'caster-tv')).status).toBe(201);

    const suspend = await cli(['user', 'suspend', 'caster']);
    expect(suspend.stderr).toBe('');
    expect(suspend.stdout).toBe('caster is suspended\n');
    const event = await withDeadline(suspended, 10_000, () => new Error('no user.suspended within 10 s'));
    expect(event.userId).toBe(casterId);
    expect(await problemCode(await get(base, '/api/v1/me', token))).toBe('invalid_token');
    const refused = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'caster@example.com', password: PASSWORD }),
    });
    expect(await problemCode(refused)).toBe('account_suspended');

    expect((await cli(['user', 'unsuspend', 'caster'])).code).toBe(0);
    const again = await login(base, 'caster@example.com');
    expect(MyAccountSchema.parse(await (await get(base, '/api/v1/me', again)).json()).role).toBe('streamer');

    api.kill('SIGTERM');
    expect(await waitForExit(api)).toBe(0);
  });
});
