import { SessionInfoSchema, TokenPairSchema } from '@streamhub/contracts/auth';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { login, registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { generateSigningJwk, keyRingFromJson } from './signing-keys.ts';

const postJson = (app: GatewayApp, path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const whoAmI = (app: GatewayApp, authorization: string) =>
  app.request('/api/v1/auth/session', { headers: { Authorization: authorization } });

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
}

describe.each(testDatabases())('sessions and tokens on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps()).app;
  });
  afterAll(() => backends.close());

  it('logs in and authenticates the access token', async () => {
    const user = await registerAndLogin(app, backends);
    const response = await whoAmI(app, user.authorization);
    expect(response.status).toBe(200);
    const session = SessionInfoSchema.parse(await response.json());
    expect(session).toMatchObject({ userId: user.account.id, role: 'viewer' });
    expect(user.expiresIn).toBe(900);
  });

  it('fails an unknown email and a wrong password identically', async () => {
    const user = await registerAndLogin(app, backends);
    const wrongPassword = await postJson(app, '/api/v1/auth/login', {
      email: user.account.email,
      password: 'not the password',
    });
    const unknownEmail = await postJson(app, '/api/v1/auth/login', {
      email: 'nobody@example.test',
      password: 'not the password',
    });
    const strip = ({ requestId: _id, ...rest }: { requestId?: string }) => rest;
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(strip(ProblemSchema.parse(await wrongPassword.json()))).toEqual(
      strip(ProblemSchema.parse(await unknownEmail.json())),
    );
  });

  it('rejects forged, tampered, expired and misdirected access tokens', async () => {
    const user = await registerAndLogin(app, backends);
    const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

    const algNone = `${encode({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
    const tampered = `${header}.${encode({ ...claims, role: 'admin' })}.${signature}`;
    const otherKey = await keyRingFromJson(
      JSON.stringify({ keys: [await generateSigningJwk()] }),
      'attacker',
    );
    const signWith = (overrides: Record<string, unknown>, key = backends.signingKeys.current) =>
      new SignJWT({ ...claims, ...overrides })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
        .sign(key.privateKey);
    const now = Math.floor(Date.now() / 1000);

    const forged = [
      algNone,
      tampered,
      await signWith({}, otherKey.current),
      await signWith({ iat: now - 3600, exp: now - 60 }),
      await signWith({ aud: 'another-service' }),
      await signWith({ iss: 'https://evil.example' }),
      'not.a.jwt',
    ];
    for (const token of forged)
      await expectProblem(await whoAmI(app, `Bearer ${token}`), 401, 'invalid_token');
    // The genuine token still works, so the refusals above were about the forgeries.
    expect((await whoAmI(app, user.authorization)).status).toBe(200);
    await expectProblem(await app.request('/api/v1/auth/session'), 401, 'invalid_token');
  });

  it('rotates refresh tokens and revokes the whole family when one is reused', async () => {
    const user = await registerAndLogin(app, backends);
    const first = await postJson(app, '/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    const rotated = TokenPairSchema.parse(await first.json());
    expect(rotated.refreshToken).not.toBe(user.refreshToken);
    expect((await whoAmI(app, `Bearer ${rotated.accessToken}`)).status).toBe(200);

    // The old token again: theft. Everything in the family dies, including the newest pair.
    await expectProblem(
      await postJson(app, '/api/v1/auth/refresh', { refreshToken: user.refreshToken }),
      401,
      'refresh_token_reused',
    );
    await expectProblem(
      await postJson(app, '/api/v1/auth/refresh', { refreshToken: rotated.refreshToken }),
      401,
      'invalid_token',
    );
    await expectProblem(await whoAmI(app, `Bearer ${rotated.accessToken}`), 401, 'invalid_token');
    await expectProblem(
      await postJson(app, '/api/v1/auth/refresh', { refreshToken: 'made-up' }),
      401,
      'invalid_token',
    );
  });

  it('logs out one session at once, and every session with logout-all', async () => {
    const user = await registerAndLogin(app, backends);
    const second = await login(app, user.account.email, user.password);
    expect(
      (
        await app.request('/api/v1/auth/logout', {
          method: 'POST',
          headers: { Authorization: user.authorization },
        })
      ).status,
    ).toBe(204);
    await expectProblem(await whoAmI(app, user.authorization), 401, 'invalid_token');
    await expectProblem(
      await postJson(app, '/api/v1/auth/refresh', { refreshToken: user.refreshToken }),
      401,
      'invalid_token',
    );
    expect((await whoAmI(app, `Bearer ${second.accessToken}`)).status).toBe(200);

    const third = await login(app, user.account.email, user.password);
    const everywhere = await app.request('/api/v1/auth/logout-all', {
      method: 'POST',
      headers: { Authorization: `Bearer ${third.accessToken}` },
    });
    expect(everywhere.status).toBe(204);
    for (const token of [second.accessToken, third.accessToken]) {
      await expectProblem(await whoAmI(app, `Bearer ${token}`), 401, 'invalid_token');
    }
  });

  it('changing the password keeps this session and revokes the others', async () => {
    const user = await registerAndLogin(app, backends);
    const other = await login(app, user.account.email, user.password);
    const wrong = await postJson(
      app,
      '/api/v1/auth/password',
      { currentPassword: 'wrong one', newPassword: 'a brand new passphrase' },
      { Authorization: user.authorization },
    );
    await expectProblem(wrong, 403, 'forbidden');
    const changed = await postJson(
      app,
      '/api/v1/auth/password',
      { currentPassword: user.password, newPassword: 'a brand new passphrase' },
      { Authorization: user.authorization },
    );
    expect(changed.status).toBe(204);
    expect((await whoAmI(app, user.authorization)).status).toBe(200);
    await expectProblem(await whoAmI(app, `Bearer ${other.accessToken}`), 401, 'invalid_token');
    await expectProblem(
      await postJson(app, '/api/v1/auth/login', { email: user.account.email, password: user.password }),
      401,
      'invalid_credentials',
    );
    expect((await login(app, user.account.email, 'a brand new passphrase')).accessToken).toBeTruthy();
  });

  it('a suspension applies to the very next request and blocks refresh and login', async () => {
    const user = await registerAndLogin(app, backends);
    expect((await whoAmI(app, user.authorization)).status).toBe(200);
    await new UsersRepository(backends.database.db).setStatus(user.account.id, 'suspended');
    await expectProblem(await whoAmI(app, user.authorization), 403, 'account_suspended');
    await expectProblem(
      await postJson(app, '/api/v1/auth/refresh', { refreshToken: user.refreshToken }),
      403,
      'account_suspended',
    );
    await expectProblem(
      await postJson(app, '/api/v1/auth/login', { email: user.account.email, password: user.password }),
      403,
      'account_suspended',
    );
  });

  it('a role change applies to the very next request', async () => {
    const user = await registerAndLogin(app, backends);
    await new UsersRepository(backends.database.db).setRole(user.account.id, 'streamer');
    const session = SessionInfoSchema.parse(await (await whoAmI(app, user.authorization)).json());
    expect(session.role).toBe('streamer');
  });

  it('serves the public signing keys as a JWK set without private parts', async () => {
    const response = await app.request('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      kid: backends.signingKeys.current.kid,
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
