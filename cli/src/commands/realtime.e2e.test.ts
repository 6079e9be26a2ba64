/**
 * Chat and viewer counts across two gateway replicas (one on Node, one on Bun) sharing the machine's
 * PostgreSQL and Redis: the scale-out promise of docs/realtime.md, end to end over real sockets.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { connectWs, type TestWsClient } from '@streamhub/api/testing/ws-client';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, runCli, startCli, waitForExit, waitForOk } from '../testing/cli-process.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tempDir = () => mkdtempSync(join(tmpdir(), 'streamhub-realtime-'));

interface Replica {
  child: ReturnType<typeof startCli>;
  base: string;
}

interface User {
  username: string;
  accessToken: string;
  authorization: string;
  id: string;
}

describe('realtime across two gateway replicas (Node and Bun, PostgreSQL, Redis)', () => {
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

  const signUp = async (replica: Replica, username: string): Promise<User> => {
    const email = `${username}@example.test`;
    const password = 'a long test password';
    const account = await ok(v1(replica).auth.register.$post({ json: { email, username, password } }));
    const tokens = await ok(v1(replica).auth.login.$post({ json: { email, password } }));
    return {
      username,
      id: account.id,
      accessToken: tokens.accessToken,
      authorization: `Bearer ${tokens.accessToken}`,
    };
  };

  const connect = async (replica: Replica, options: { user?: User; viewerId: string; slug: string }) => {
    const client = await connectWs(replica.base);
    clients.push(client);
    await client.next('hello');
    if (options.user) {
      client.send({ type: 'auth', token: options.user.accessToken });
      await client.next('authenticated');
    }
    client.send({ type: 'join', channel: options.slug, viewerId: options.viewerId });
    await client.next('joined');
    return client;
  };

  /** Sends a chat message and resolves with its ack or error frame. */
  const post = async (client: TestWsClient, slug: string, body: string) => {
    const nonce = crypto.randomUUID();
    client.send({ type: 'chat.send', channel: slug, body, nonce });
    return Promise.race([
      client.next('ack', (f) => f.nonce === nonce),
      client.next('error', (f) => f.nonce === nonce),
    ]);
  };

  beforeAll(async () => {
    scratch = await createScratchPostgresDatabase();
    env = {
      HOST: '127.0.0.1',
      DATABASE_URL: scratch.url,
      REDIS_URL: TEST_REDIS_URL,
      // Both replicas share one namespace, as one deployment's replicas do.
      REDIS_PREFIX: `test-realtime-${crypto.randomUUID()}:`,
      RATE_LIMIT_MAX: '10000',
      // Tokens name their issuer; replicas behind one address share it.
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

  it('shares messages, bans, time-outs, followers-only rules, viewer counts and history', async () => {
    const [onNode, onBun] = await Promise.all([startReplica('node'), startReplica('bun')]);
    const suffix = Math.random().toString(36).slice(2, 7);
    const owner = await signUp(onNode, `owner_${suffix}`);
    expect((await runCli(['user', 'role', owner.username, 'streamer'], { cwd: tempDir(), env })).code).toBe(
      0,
    );
    const slug = `rt-${suffix}`;
    await ok(
      v1(onNode, owner.authorization).channels.$post({
        json: { slug, title: 'Two replicas', category: 'talk' },
      }),
    );
    const alice = await signUp(onNode, `alice_${suffix}`);
    const bob = await signUp(onBun, `bob_${suffix}`);

    const aliceWs = await connect(onNode, { user: alice, viewerId: 'viewer-alice-1', slug });
    const bobWs = await connect(onBun, { user: bob, viewerId: 'viewer-bob-11', slug });
    // Alice's second tab, on the other replica: still one viewer.
    await connect(onBun, { viewerId: 'viewer-alice-1', slug });

    // The count is the union of both replicas' viewers, without double counting.
    await aliceWs.next('viewers', (f) => f.count === 2, { timeoutMs: 8000 });
    await bobWs.next('viewers', (f) => f.count === 2, { timeoutMs: 8000 });

    // A message posted on Node reaches a client of the Bun replica, and the other way round.
    expect(await post(aliceWs, slug, 'hello from node')).toMatchObject({ type: 'ack' });
    await bobWs.next('chat.message', (f) => f.message.body === 'hello from node');
    expect(await post(bobWs, slug, 'hello from bun')).toMatchObject({ type: 'ack' });
    await aliceWs.next('chat.message', (f) => f.message.body === 'hello from bun');

    // A ban made through one replica is enforced on the other.
    const bans = (replica: Replica) =>
      v1(replica, owner.authorization).channels[':slug'].chat.bans[':userId'];
    await ok(bans(onNode).$put({ param: { slug, userId: bob.id }, json: { reason: 'spam' } }));
    await bobWs.next('moderation', (f) => f.action === 'ban' && f.user.id === bob.id);
    expect(await post(bobWs, slug, 'let me in')).toMatchObject({ type: 'error', code: 'banned' });
    await ok(bans(onBun).$delete({ param: { slug, userId: bob.id } }));
    expect(await post(bobWs, slug, 'thanks')).toMatchObject({ type: 'ack' });

    // A time-out ends by itself.
    await ok(
      v1(onBun, owner.authorization).channels[':slug'].chat.timeouts[':userId'].$put({
        param: { slug, userId: alice.id },
        json: { seconds: 1 },
      }),
    );
    const refused = await post(aliceWs, slug, 'too soon');
    expect(refused).toMatchObject({ type: 'error', code: 'timed_out' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await post(aliceWs, slug, 'back again')).toMatchObject({ type: 'ack' });

    // Followers-only: refused until Alice follows.
    await ok(
      v1(onNode, owner.authorization).channels[':slug'].chat.settings.$patch({
        param: { slug },
        json: { followersOnly: true },
      }),
    );
    await bobWs.next('chat.settings', (f) => f.settings.followersOnly);
    expect(await post(aliceWs, slug, 'may I?')).toMatchObject({ type: 'error', code: 'followers_only' });
    await ok(v1(onBun, alice.authorization).channels[':slug'].follow.$put({ param: { slug } }));
    expect(await post(aliceWs, slug, 'following now')).toMatchObject({ type: 'ack' });

    // History survives a restart of the replica that stored the messages.
    onNode.child.kill('SIGTERM');
    expect(await waitForExit(onNode.child)).toBe(0);
    const restarted = await startReplica('node');
    const newcomer = await connectWs(restarted.base);
    clients.push(newcomer);
    newcomer.send({ type: 'join', channel: slug });
    const { history } = await newcomer.next('joined');
    expect(history.map((m) => m.body)).toEqual([
      'hello from node',
      'hello from bun',
      'thanks',
      'back again',
      'following now',
    ]);
  }, 120_000);
});
