import { hashPassword } from '@streamhub/api/domains/auth/password';
import { ConfigError } from '@streamhub/config/config';
import { openDatabase } from '@streamhub/db/client';
import { users } from '@streamhub/db/schema/users';
import { describe, expect, it } from 'vitest';
import { CliError, failureLine } from './cli-error.ts';

describe('failureLine', () => {
  it('prints a failed query as the database reason only, never its parameters (a password hash)', async () => {
    // Never migrated: the insert fails, and drizzle's error quotes every parameter of the query.
    const database = await openDatabase({ inMemory: true });
    const passwordHash = await hashPassword('a fine long password', { N: 1024, r: 8, p: 1 });
    const error = await database.db
      .insert(users)
      .values({ email: 'a@example.com', username: 'someone', passwordHash })
      .catch((e: unknown) => e);
    await database.close();
    expect(String((error as Error).stack)).toContain(passwordHash);

    const line = failureLine(error);
    expect(line).toBe(
      'streamhub: the database failed: relation "users.users" does not exist (SQLSTATE 42P01)',
    );
    expect(line).not.toContain('scrypt');
  });

  it('keeps only the first line of an unexpected error, and prints user-facing errors as they are', () => {
    const unexpected = new TypeError('cannot read x\nparams: a secret');
    expect(failureLine(unexpected)).toBe('streamhub: unexpected error: TypeError: cannot read x');
    expect(failureLine('thrown text')).toBe('streamhub: unexpected error');
    expect(failureLine(new CliError('no user named "ghost"'))).toBe('streamhub: no user named "ghost"');
    expect(failureLine(new ConfigError('PORT must be a number'))).toBe('streamhub: PORT must be a number');
    // A Node error code is not a SQLSTATE.
    const eperm = Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    expect(failureLine(eperm)).toBe('streamhub: unexpected error: Error: operation not permitted');
  });
});
