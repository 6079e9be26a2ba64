import { AccountSchema } from '@streamhub/contracts/auth';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';

const post = (app: GatewayApp, body: string, headers: Record<string, string> = {}) =>
  app.request('/api/v1/auth/register', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

const unique = () => Math.random().toString(36).slice(2, 10);

describe.each(testDatabases())('POST /api/v1/auth/register on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps({ BODY_LIMIT_BYTES: '2048' })).app;
  });
  afterAll(() => backends.close());

  it('creates an account, never echoes the password and stores user.registered', async () => {
    const name = `ada_${unique()}`;
    const response = await post(
      app,
      JSON.stringify({ email: `${name}@Example.com`, username: name, password: 'correct horse battery' }),
    );
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('scrypt');
    const account = AccountSchema.parse(JSON.parse(text));
    expect(account).toMatchObject({
      email: `${name}@example.com`,
      username: name,
      role: 'viewer',
      emailVerified: false,
    });
    // Stored with the account, in its transaction, for the durable consumers.
    const stored = await storedEvents(backends.database.db, 'user.registered');
    expect(stored.filter((event) => event.userId === account.id)).toEqual([
      { userId: account.id, username: name, email: `${name}@example.com` },
    ]);
  });

  it('refuses a taken email or username, whatever their case, with 409', async () => {
    const name = `bob_${unique()}`;
    const body = { email: `${name}@example.com`, username: name, password: 'a long enough secret' };
    expect((await post(app, JSON.stringify(body))).status).toBe(201);

    const sameEmail = await post(
      app,
      JSON.stringify({ ...body, username: `x${unique()}`, email: body.email.toUpperCase() }),
    );
    expect(sameEmail.status).toBe(409);
    expect(ProblemSchema.parse(await sameEmail.json())).toMatchObject({
      code: 'conflict',
      detail: 'That email is already registered.',
    });

    const sameName = await post(
      app,
      JSON.stringify({ ...body, email: `${unique()}@example.com`, username: name.toUpperCase() }),
    );
    expect(sameName.status).toBe(409);
    expect(ProblemSchema.parse(await sameName.json()).detail).toBe('That username is already registered.');
  });

  it('lists every invalid field with 422', async () => {
    const response = await post(
      app,
      JSON.stringify({ email: 'not-an-email', username: '1x', password: 'short' }),
    );
    expect(response.status).toBe(422);
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.code).toBe('validation_failed');
    expect([...new Set(problem.errors?.map((e) => e.path))].sort()).toEqual([
      'body.email',
      'body.password',
      'body.username',
    ]);
  });

  it('answers a malformed JSON body with 400 malformed_json', async () => {
    const response = await post(app, '{"email": ');
    expect(response.status).toBe(400);
    expect(ProblemSchema.parse(await response.json()).code).toBe('malformed_json');
  });

  it('answers a body that is not JSON at all with 415', async () => {
    const response = await post(app, 'email=a@b.c', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(ProblemSchema.parse(await response.json()).code).toBe('unsupported_media_type');
  });

  it('refuses a body over the size limit with 413 before parsing it', async () => {
    const response = await post(
      app,
      JSON.stringify({ email: 'a@b.co', username: 'abc', password: 'x'.repeat(4000) }),
    );
    expect(response.status).toBe(413);
    expect(ProblemSchema.parse(await response.json()).code).toBe('payload_too_large');
  });
});
