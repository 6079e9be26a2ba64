import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { MyAccountSchema } from '@streamhub/contracts/users';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApi } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { type SavedLogin, SavedLoginSchema } from '../saved-login.ts';
import { type CliOptions, runCli } from '../testing/cli-process.ts';

const TTL_SECONDS = 3;

// The CLI as child processes against a real gateway whose access tokens live 3 s, so renewal happens.
describe('streamhub login, whoami and logout against a running gateway', { timeout: 180_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-login-'));
  const configHome = join(cwd, 'config');
  const loginFile = join(configHome, 'streamhub', 'login.json');
  let backends: TestBackends;
  let server: RunningServer;
  let streamer: SignedInUser;
  let base: string;
  let patches = 0;
  let expirePatch = 0;

  /** No STREAMHUB_URL or token: everything comes from the saved login, unless a test adds it. */
  const run = (args: string[], options: Partial<CliOptions> = {}) =>
    runCli(args, { cwd, ...options, env: { XDG_CONFIG_HOME: configHome, ...options.env } });
  const login = (email: string, password: string, extra: string[] = []) =>
    run(['login', '--url', base, '--email', email, '--password-stdin', ...extra], { input: `${password}\n` });
  const saved = (): SavedLogin => SavedLoginSchema.parse(JSON.parse(readFileSync(loginFile, 'utf8')));

  const sessionStatus = async (accessToken: string) =>
    (await gatewayClient(base, `Bearer ${accessToken}`).api.v1.auth.session.$get()).status;
  /** Polls until the gateway refuses the saved access token: it has expired. */
  const waitForExpiry = async (accessToken: string) => {
    const deadline = Date.now() + (TTL_SECONDS + 10) * 1000;
    while ((await sessionStatus(accessToken)) !== 401) {
      if (Date.now() > deadline) throw new Error('the access token did not expire');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    const deps = backends.deps(
      { ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS), STREAMHUB_DATA_DIR: join(cwd, 'data') },
      { remoteAddress: nodeRemoteAddress },
    );
    const { app } = createApp(deps);
    server = await serveOnNode({
      fetch: async (request) => {
        // The chosen PATCH reaches the gateway only once its access token has expired: an upload that
        // outlives its token, as a long one on a slow link does.
        if (request.method === 'PATCH' && ++patches === expirePatch) {
          await waitForExpiry(request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '');
        }
        return app.fetch(request);
      },
      host: '127.0.0.1',
      port: 0,
      gracePeriodMs: 1000,
    });
    base = `http://127.0.0.1:${server.port}`;
    streamer = await registerAndLogin(app, backends, { role: 'streamer' });
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('logs in, works without --token, renews expired tokens by itself, and logs out', async () => {
    const { email } = streamer.account;
    const signedIn = await login(email, streamer.password);
    expect(signedIn.stderr).toBe('');
    expect(signedIn.code).toBe(0);
    expect(signedIn.stdout).toBe(`logged in to ${base} as ${email} (saved in ${loginFile})\n`);
    expect(statSync(loginFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(configHome, 'streamhub')).mode & 0o777).toBe(0o700);
    const first = saved();
    expect(first).toMatchObject({ url: base, email });
    expect(signedIn.stdout).not.toContain(first.refreshToken);
    expect(readFileSync(loginFile, 'utf8')).not.toContain(streamer.password);

    // The URL and the session come from the file; the channel is created with them, on both runtimes.
    const created = await run(['channel', 'create', '--slug', 'saved-login', '--title', 'Saved', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const who = await run(['whoami', '--json'], { runtime: 'bun' });
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toEqual({
      username: streamer.account.username,
      email,
      role: 'streamer',
      gateway: base,
    });

    // Expired: renewed before use, the rotated refresh token saved in place of the spent one.
    const beforeExpiry = saved();
    await waitForExpiry(beforeExpiry.accessToken);
    const renewed = await run(['stream', 'key', 'list', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    const afterRenewal = saved();
    expect(afterRenewal.refreshToken).not.toBe(beforeExpiry.refreshToken);
    expect(await sessionStatus(afterRenewal.accessToken)).toBe(200);
    expect(statSync(loginFile).mode & 0o777).toBe(0o600);

    // Several commands at once after expiry: one renews, the others wait and take its tokens. Were two to
    // present the same refresh token, the gateway would see a replay and revoke the whole session.
    await waitForExpiry(afterRenewal.accessToken);
    const together = await Promise.all([
      run(['whoami']),
      run(['whoami'], { runtime: 'bun' }),
      run(['whoami']),
      run(['whoami'], { runtime: 'bun' }),
    ]);
    for (const result of together) expect(result.code, result.stderr).toBe(0);
    // The same in one process, where the renewals truly overlap: five clients read the file at once.
    await waitForExpiry(saved().accessToken);
    const ctx: CliContext = {
      env: { XDG_CONFIG_HOME: configHome },
      cwd,
      stdout: () => {},
      stderr: () => {},
      isTty: false,
    };
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connectApi(ctx, {})));
    const accounts = await Promise.all(clients.map((api) => api.read(api.v1.me.$get(), MyAccountSchema)));
    expect(accounts.map((account) => account.email)).toEqual(Array(5).fill(email));
    const afterRace = saved();
    expect(await sessionStatus(afterRace.accessToken)).toBe(200);

    // A client clock that believes the token is still good: the 401 makes it renew and retry once.
    await waitForExpiry(afterRace.accessToken);
    writeFileSync(loginFile, JSON.stringify({ ...afterRace, accessTokenExpiresAt: Date.now() + 3_600_000 }));
    const skewed = await run(['whoami']);
    expect(skewed.code, skewed.stderr).toBe(0);
    expect(saved().refreshToken).not.toBe(afterRace.refreshToken);

    // Logout ends the session on the gateway: the saved refresh token no longer renews anything.
    const last = saved();
    const loggedOut = await run(['logout']);
    expect(loggedOut.code, loggedOut.stderr).toBe(0);
    expect(loggedOut.stdout).toBe(`logged out of ${base}\n`);
    expect(existsSync(loginFile)).toBe(false);
    const refresh = await gatewayClient(base).api.v1.auth.refresh.$post({
      json: { refreshToken: last.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(await sessionStatus(last.accessToken)).toBe(401);

    const after = await run(['whoami']);
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(
      'streamhub: not logged in: run `streamhub login` (or pass --token / set STREAMHUB_TOKEN)\n',
    );
    const again = await run(['logout']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('not logged in\n');
  });

  it('renews the token in the middle of an upload and goes on with the same chunk', async () => {
    const clipPath = await makeClip(join(cwd, 'clip.mp4'), { seconds: 2, size: '320x180', rate: 15 });
    const clip = readFileSync(clipPath);
    const chunk = 16 * 1024;
    expect(clip.length).toBeGreaterThan(3 * chunk);
    expect((await login(streamer.account.email, streamer.password)).code).toBe(0);
    const before = saved();
    patches = 0;
    expirePatch = 2;
    const upload = await run(
      ['video', 'upload', clipPath, '--title', 'Long', '--chunk-size', String(chunk)],
      {
        env: { XDG_STATE_HOME: join(cwd, 'state') },
      },
    );
    expirePatch = 0;
    expect(upload.code, upload.stderr).toBe(0);
    expect(upload.stderr).toMatch(/uploaded 100% /);
    // Every chunk once, plus the refused one again.
    expect(patches).toBe(Math.ceil(clip.length / chunk) + 1);
    expect(saved().refreshToken).not.toBe(before.refreshToken);
    const videoId = upload.stdout.trim();
    const video = await ok(
      gatewayClient(base, `Bearer ${saved().accessToken}`).api.v1.videos[':id'].$get({
        param: { id: videoId },
      }),
    );
    expect(video).toMatchObject({ id: videoId, title: 'Long', status: 'uploaded' });
    expect((await run(['logout'])).code).toBe(0);
  });

  it('deletes a saved login whose session the gateway ended, with one line', async () => {
    expect((await login(streamer.account.email, streamer.password)).code).toBe(0);
    // Logging out everywhere (e.g. from the web) ends the CLI's session too.
    const response = await gatewayClient(base, `Bearer ${saved().accessToken}`).api.v1.auth[
      'logout-all'
    ].$post();
    expect(response.status).toBe(204);
    const refused = await run(['whoami']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `streamhub: your login to ${base} has ended (invalid_token): run \`streamhub login\` again\n`,
    );
    expect(existsSync(loginFile)).toBe(false);
  });

  it('fails with one line and a non-zero exit, printing no secret', async () => {
    const wrong = await login(streamer.account.email, 'not the password');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^streamhub: .*\(invalid_credentials\)\n$/);
    expect(wrong.stderr).not.toContain('not the password');
    expect(existsSync(loginFile)).toBe(false);

    const badUrl = await run(
      ['login', '--url', 'ftp://example.test', '--email', 'a@b.test', '--password-stdin'],
      {
        input: 'x\n',
      },
    );
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toBe('streamhub: --url must be an http(s) URL, got "ftp://example.test"\n');

    const noTerminal = await run(['login', '--url', base]);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toBe('streamhub: no terminal to prompt on; pass --email\n');

    const noPassword = await run(['login', '--url', base, '--email', 'a@b.test']);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toBe(
      'streamhub: no terminal to prompt on; pipe the password with --password-stdin\n',
    );

    const unknownOption = await run(['login', '--password', 'secret']);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr.split('\n')[0]).toBe("error: unknown option '--password'");

    // The saved session is only ever sent to the gateway it was made on.
    expect((await login(streamer.account.email, streamer.password)).code).toBe(0);
    const elsewhere = await run(['whoami'], { env: { STREAMHUB_URL: 'http://127.0.0.1:9' } });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toBe(
      `streamhub: you are logged in to ${base}, not http://127.0.0.1:9: run \`streamhub login --url http://127.0.0.1:9\`\n`,
    );

    writeFileSync(loginFile, '{"version":1,');
    const damaged = await run(['whoami']);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toBe(
      `streamhub: the saved login ${loginFile} is damaged: delete it and run \`streamhub login\`\n`,
    );
    // Signing in again replaces a damaged file, taking over the lock a killed process left behind.
    const dead = spawnSync('true').pid;
    writeFileSync(`${loginFile}.lock`, String(dead));
    const relogin = await login(streamer.account.email, streamer.password);
    expect(relogin.code, relogin.stderr).toBe(0);
    expect(existsSync(`${loginFile}.lock`)).toBe(false);
    expect(saved().email).toBe(streamer.account.email);
    expect((await run(['logout'])).code).toBe(0);
  });
});
