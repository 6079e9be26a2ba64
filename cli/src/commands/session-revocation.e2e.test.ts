/**
 * Sockets of a revoked session are signed out on every replica: two gateway processes (one on Node, one
 * on Bun) sharing the machine's PostgreSQL and Redis, real WebSocket clients. A logout, a logout
 * everywhere or a suspension made through one replica reaches the sockets held by the other within 2 s
 * (`session.revoked` over Redis pub/sub; docs/realtime.md).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { connectWs, type TestWsClient } from '@streamhub/api/testing/ws-client';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, runCli, startCli, waitForOk } from '../testing/cli-process.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIGN_OUT_WITHIN_MS = 2000;
const PASSWORD = 'a long test password';
const tempDir = () => mkdtempSync(join(tmpdir(), 'streamhub-sessions-'));

interface Replica {
  child: ReturnType<typeof startCli>;
  base: string;
}

describe('revoked sessions across two gateway replicas (Node and Bun, PostgreSQL, Redis)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchPostgresDatabase>>;
  let env: Record<string, string>;
  const replicas: Replica[] = [];
  const clients: TestWsClient[] = [];

  const startReplica = async (runtime: Runtime): Promise<Replica> => {
    const port = await freePort();
    const child = startCli(['serve', 'api'], {
      cwd: tempDir(),
      env: { ...env, PORT: String(port) },
      runtime,
    });
    const replica = { child, base: `http://127.0.0.1:${port}` };
    replicas.push(replica);
    await waitForOk(`${replica.base}/healthz`, 60_000, child);
    return replica;
  };

  /** The typed routes of `/api/v1` on a replica, as the holder of `authorization` if given. */
  const v1 = (replica: Replica, authorization?: string) => gatewayClient(replica.base, authorization).api.v1;

  const signUp = async (replica: Replica, username: string) => {
    const email = `${username}@example.test`;
    const account = await ok(
      v1(replica).auth.register.$post({ json: { email, username, password: PASSWORD } }),
    );
    return { id: account.id, email };
  };

  const logIn = async (replica: Replica, email: string) => {
    const tokens = await ok(v1(replica).auth.login.$post({ json: { email, password: PASSWORD } }));
    return `Bearer ${tokens.accessToken}`;
  };

  const socket = async (replica: Replica, authorization: string, slug: string) => {
    const client = await connectWs(replica.base);
    clients.push(client);
    await client.next('hello');
    client.send({ type: 'auth', token: authorization.slice('Bearer '.length) });
    await client.next('authenticated');
    client.send({ type: 'join', channel: slug });
    await client.next('joined');
    return client;
  };

  const post = async (client: TestWsClient, slug: string, body: string) => {
    const nonce = crypto.randomUUID();
    client.send({ type: 'chat.send', channel: slug, body, nonce });
    return Promise.race([
      client.next('ack', (f) => f.nonce === nonce),
      client.next('error', (f) => f.nonce === nonce),
    ]);
  };

  const expectSignedOut = async (client: TestWsClient, since: number, reason = 'session_revoked') => {
    const started = Date.now();
    const frame = await client.next('signed_out', undefined, { since, timeoutMs: SIGN_OUT_WITHIN_MS });
    expect(frame.reason).toBe(reason);
    expect(Date.now() - started).toBeLessThan(SIGN_OUT_WITHIN_MS);
  };

  beforeAll(async () => {
    scratch = await createScratchPostgresDatabase();
    env = {
      HOST: '127.0.0.1',
      DATABASE_URL: scratch.url,
      REDIS_URL: TEST_REDIS_URL,
      // Both replicas share one namespace, as one deployment's replicas do.
      REDIS_PREFIX: `test-sessions-${crypto.randomUUID()}:`,
      RATE_LIMIT_MAX: '10000',
      PUBLIC_URL: 'http://streamhub.test',
    };
    expect((await runCli(['db', 'migrate'], { cwd: tempDir(), env })).code).toBe(0);
    const keys = await runCli(['keys', 'generate', '--print'], { cwd: tempDir() });
    env.SIGNING_KEYS = keys.stdout.trim();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const { child } of replicas) if (child.exitCode === null) child.kill('SIGKILL');
    await scratch.drop();
  });

  it('signs out, on the other replica, the sockets of a logout, a logout everywhere and a suspension', async () => {
    const [onNode, onBun] = await Promise.all([startReplica('node'), startReplica('bun')]);
    const suffix = Math.random().toString(36).slice(2, 7);
    // The first account of the fresh instance is its admin, and may open a channel.
    const admin = await signUp(onNode, `admin_${suffix}`);
    const adminAuth = await logIn(onNode, admin.email);
    const slug = `sessions-${suffix}`;
    await ok(v1(onNode, adminAuth).channels.$post({ json: { slug, title: 'Sessions' } }));

    // Logout on Node: the session's socket on Bun is signed out; the other session's socket stays.
    const ada = await signUp(onNode, `ada_${suffix}`);
    const [first, second] = [await logIn(onNode, ada.email), await logIn(onBun, ada.email)];
    const firstOnBun = await socket(onBun, first, slug);
    const secondOnNode = await socket(onNode, second, slug);
    expect(await post(firstOnBun, slug, 'before')).toMatchObject({ type: 'ack' });
    let since = firstOnBun.frames.length;
    await ok(v1(onNode, first).auth.logout.$post());
    await expectSignedOut(firstOnBun, since);
    expect(await post(firstOnBun, slug, 'after')).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await post(secondOnNode, slug, 'still signed in')).toMatchObject({ type: 'ack' });

    // Logout everywhere on Bun: the sockets on Node are signed out.
    const third = await logIn(onBun, ada.email);
    const thirdOnNode = await socket(onNode, third, slug);
    const marks = [secondOnNode.frames.length, thirdOnNode.frames.length];
    await ok(v1(onBun, third).auth['logout-all'].$post());
    await expectSignedOut(secondOnNode, marks[0] ?? 0);
    await expectSignedOut(thirdOnNode, marks[1] ?? 0);

    // A suspension made through Node reaches the user's socket on Bun.
    const bob = await signUp(onBun, `bob_${suffix}`);
    const bobOnBun = await socket(onBun, await logIn(onBun, bob.email), slug);
    since = bobOnBun.frames.length;
    await ok(v1(onNode, adminAuth).users[':id'].suspend.$post({ param: { id: bob.id } }));
    await expectSignedOut(bobOnBun, since, 'account_suspended');
    expect(await post(bobOnBun, slug, 'suspended')).toMatchObject({ type: 'error' });
  }, 120_000);
});
