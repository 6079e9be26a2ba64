import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

// On PostgreSQL: every command is a new process, and opening it is much quicker than embedded PGlite.
describe('streamhub user', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-user-'));
  let scratch: Awaited<ReturnType<typeof createScratchPostgresDatabase>>;
  const run = (args: string[], input?: string) =>
    runCli(args, { cwd, input, env: { DATABASE_URL: scratch.url } });

  beforeAll(async () => {
    scratch = await createScratchPostgresDatabase();
    expect((await run(['db', 'migrate'])).code).toBe(0);
  });
  afterAll(() => scratch.drop());

  it('creates an admin from a password on stdin and lists it', async () => {
    const created = await run(
      [
        'user',
        'create',
        '--email',
        'Root@Example.com',
        '--username',
        'root_admin',
        '--role',
        'admin',
        '--password-stdin',
        '--json',
      ],
      'a strong admin passphrase\n',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject([
      { username: 'root_admin', email: 'root@example.com', role: 'admin', status: 'active' },
    ]);

    const listed = await run(['user', 'list', '--query', 'root_', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ username: 'root_admin', role: 'admin' }]);
    const table = await run(['user', 'list', '--query', 'root_']);
    expect(table.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL\s+ROLE\s+STATUS\s+CREATED\n/);
  });

  it('refuses bad input with one line and a non-zero exit, creating nothing', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [
        ['user', 'create', '--email', 'nope', '--username', 'someone', '--password-stdin'],
        'a fine password',
        /^streamhub: --email must be a valid email address\n$/,
      ],
      [
        ['user', 'create', '--email', 'a@b.co', '--username', '9lives', '--password-stdin'],
        'a fine password',
        /^streamhub: --username must start with a letter/,
      ],
      [
        ['user', 'create', '--email', 'a@b.co', '--username', 'someone', '--password-stdin'],
        'short',
        /^streamhub: the password must be at least 10 characters\n$/,
      ],
      [
        [
          'user',
          'create',
          '--email',
          'a@b.co',
          '--username',
          'someone',
          '--role',
          'king',
          '--password-stdin',
        ],
        'a fine password',
        /argument 'king' is invalid|Allowed choices/,
      ],
      [
        ['user', 'create', '--email', 'a@b.co', '--username', 'someone'],
        undefined,
        /^streamhub: no terminal to prompt on; pipe the password with --password-stdin\n$/,
      ],
      [['user', 'role', 'ghost', 'admin'], undefined, /^streamhub: no user named "ghost"\n$/],
      [['user', 'list', '--limit', 'lots'], undefined, /^streamhub: --limit must be a whole number/],
    ];
    for (const [args, input, message] of cases) {
      const result = await run(args, input);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(JSON.parse((await run(['user', 'list', '--query', 'someone', '--json'])).stdout)).toEqual([]);
  });

  it('refuses a taken username, changes roles, suspends and unsuspends', async () => {
    const create = (email: string) =>
      run(
        ['user', 'create', '--email', email, '--username', 'Streamer_One', '--password-stdin'],
        'a fine password',
      );
    expect((await create('s1@example.com')).code).toBe(0);
    const duplicate = await create('s2@example.com');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('streamhub: That username is already registered.\n');

    expect((await run(['user', 'role', 'streamer_one', 'streamer'])).stdout).toBe(
      'streamer_one is now streamer\n',
    );
    const suspended = await run(['user', 'suspend', 'streamer_one']);
    expect(suspended.stdout).toBe('streamer_one is suspended\n');
    // No Redis here: the servers cannot hear of it, and the operator is told so.
    expect(suspended.stderr).toMatch(
      /^note: without REDIS_URL the running servers do not hear of this suspension/,
    );
    expect(
      JSON.parse((await run(['user', 'list', '--query', 'streamer_one', '--json'])).stdout),
    ).toMatchObject([{ role: 'streamer', status: 'suspended' }]);
    expect((await run(['user', 'unsuspend', 'streamer_one'])).code).toBe(0);
    expect(
      JSON.parse((await run(['user', 'list', '--query', 'streamer_one', '--json'])).stdout),
    ).toMatchObject([{ status: 'active' }]);
  });

  it('says in one line that a never-migrated database needs `db migrate`, and prints no password hash', async () => {
    const empty = await createScratchPostgresDatabase();
    try {
      const result = await runCli(
        ['user', 'create', '--email', 'first@example.com', '--username', 'first_one', '--password-stdin'],
        { cwd, input: 'a fine long password', env: { DATABASE_URL: empty.url } },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'streamhub: the database has no StreamHub tables yet: run `streamhub db migrate`\n',
      );
      expect(result.stdout).toBe('');
    } finally {
      await empty.drop();
    }
  });
});
