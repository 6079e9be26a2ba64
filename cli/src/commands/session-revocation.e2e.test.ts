/**
 * Sockets of a revoked session are signed out on every replica: two gateway processes (one on Node, one
 * on Bun) sharing the machine's PostgreSQL and Redis, real WebSocket clients. A logout, a logout
 * everywhere or a suspension made through one replica reaches the sockets held by the other within 2 s
 * (`session.revoked` over Redis pub/sub; docs/realtime.md).
 */
import { ok } from '@streamhub/api/testing/gateway-client';
import type { TestWsClient } from '@streamhub/api/testing/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, startDeployment } from '../testing/deployment.ts';
import { logIn, postChat as post, register, roomSockets, v1 } from '../testing/replica-clients.ts';

const SIGN_OUT_WITHIN_MS = 2000;

describe('revoked sessions across two gateway replicas (Node and Bun, PostgreSQL, Redis)', () => {
  let deployment: Deployment;
  const sockets = roomSockets();

  const socket = (replica: { base: string }, login: { accessToken: string }, slug: string) =>
    sockets.join(replica, { slug, accessToken: login.accessToken });

  const expectSignedOut = async (client: TestWsClient, since: number, reason = 'session_revoked') => {
    const started = Date.now();
    const frame = await client.next('signed_out', undefined, { since, timeoutMs: SIGN_OUT_WITHIN_MS });
    expect(frame.reason).toBe(reason);
    expect(Date.now() - started).toBeLessThan(SIGN_OUT_WITHIN_MS);
  };

  beforeAll(async () => {
    deployment = await startDeployment({ label: 'sessions' });
  });

  afterAll(async () => {
    await sockets.close();
    await deployment.close();
  });

  it('signs out, on the other replica, the sockets of a logout, a logout everywhere and a suspension', async () => {
    const [onNode, onBun] = await Promise.all([deployment.gateway(), deployment.gateway({ runtime: 'bun' })]);
    const suffix = Math.random().toString(36).slice(2, 7);
    // The first account of the fresh instance is its admin, and may open a channel.
    const admin = await register(onNode, `admin_${suffix}`);
    const adminAuth = (await logIn(onNode, admin.email)).authorization;
    const slug = `sessions-${suffix}`;
    await ok(v1(onNode, adminAuth).channels.$post({ json: { slug, title: 'Sessions' } }));

    // Logout on Node: the session's socket on Bun is signed out; the other session's socket stays.
    const ada = await register(onNode, `ada_${suffix}`);
    const [first, second] = [await logIn(onNode, ada.email), await logIn(onBun, ada.email)];
    const firstOnBun = await socket(onBun, first, slug);
    const secondOnNode = await socket(onNode, second, slug);
    expect(await post(firstOnBun, slug, 'before')).toMatchObject({ type: 'ack' });
    let since = firstOnBun.frames.length;
    await ok(v1(onNode, first.authorization).auth.logout.$post());
    await expectSignedOut(firstOnBun, since);
    expect(await post(firstOnBun, slug, 'after')).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await post(secondOnNode, slug, 'still signed in')).toMatchObject({ type: 'ack' });

    // Logout everywhere on Bun: the sockets on Node are signed out.
    const third = await logIn(onBun, ada.email);
    const thirdOnNode = await socket(onNode, third, slug);
    const marks = [secondOnNode.frames.length, thirdOnNode.frames.length];
    await ok(v1(onBun, third.authorization).auth['logout-all'].$post());
    await expectSignedOut(secondOnNode, marks[0] ?? 0);
    await expectSignedOut(thirdOnNode, marks[1] ?? 0);

    // A suspension made through Node reaches the user's socket on Bun.
    const bob = await register(onBun, `bob_${suffix}`);
    const bobOnBun = await socket(onBun, await logIn(onBun, bob.email), slug);
    since = bobOnBun.frames.length;
    await ok(v1(onNode, adminAuth).users[':id'].suspend.$post({ param: { id: bob.id } }));
    await expectSignedOut(bobOnBun, since, 'account_suspended');
    expect(await post(bobOnBun, slug, 'suspended')).toMatchObject({ type: 'error' });
  }, 120_000);
});
