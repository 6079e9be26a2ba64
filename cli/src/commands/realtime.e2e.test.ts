/**
 * Chat and viewer counts across two gateway replicas (one on Node, one on Bun) sharing the machine's
 * PostgreSQL and Redis: the scale-out promise of docs/realtime.md, end to end over real sockets.
 */
import { ok } from '@streamhub/api/testing/gateway-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExit } from '../testing/cli-process.ts';
import { type Deployment, type GatewayProcess, startDeployment } from '../testing/deployment.ts';
import { logIn, postChat as post, register, roomSockets, v1 } from '../testing/replica-clients.ts';

describe('realtime across two gateway replicas (Node and Bun, PostgreSQL, Redis)', () => {
  let deployment: Deployment;
  const sockets = roomSockets();

  const signUp = async (replica: GatewayProcess, username: string) => {
    const account = await register(replica, username);
    return { ...account, ...(await logIn(replica, account.email)) };
  };

  const connect = (
    replica: GatewayProcess,
    options: { user?: { accessToken: string }; viewerId: string; slug: string },
  ) =>
    sockets.join(replica, {
      slug: options.slug,
      viewerId: options.viewerId,
      ...(options.user ? { accessToken: options.user.accessToken } : {}),
    });

  beforeAll(async () => {
    deployment = await startDeployment({ label: 'realtime' });
  });

  afterAll(async () => {
    await sockets.close();
    await deployment.close();
  });

  it('shares messages, bans, time-outs, followers-only rules, viewer counts and history', async () => {
    const [onNode, onBun] = await Promise.all([deployment.gateway(), deployment.gateway({ runtime: 'bun' })]);
    const suffix = Math.random().toString(36).slice(2, 7);
    const owner = await signUp(onNode, `owner_${suffix}`);
    expect((await deployment.run(['user', 'role', owner.username, 'streamer'])).code).toBe(0);
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
    const bans = (replica: GatewayProcess) =>
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
    const restarted = await deployment.gateway();
    const newcomer = await sockets.open(restarted);
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
