/**
 * A socket that signed in follows its login session: logout, logout everywhere, a password change, a
 * suspension or a deletion sign it out within 2 s (real Node server, real WebSocket clients). Across
 * replicas over Redis: cli/src/commands/session-revocation.e2e.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { VideoStatusFrame } from '@streamhub/contracts/realtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { SessionsRepository } from '../domains/auth/sessions.repository.ts';
import { login, registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import type { TestBackends } from '../testing/test-deps.ts';
import type { TestWsClient } from '../testing/ws-client.ts';
import { broadcastingVideoStatusPublisher } from './create-hub.ts';
import { type RealtimeRoom, startRealtimeRoom } from './testing/realtime-room.ts';
import { serveRealtime } from './testing/realtime-server.ts';

// The promise of docs/realtime.md.
const SIGN_OUT_WITHIN_MS = 2000;

let room: RealtimeRoom;
let backends: TestBackends;
let deps: GatewayDeps;
let app: GatewayApp;
let slug: string;

const call = (path: string, authorization: string, body?: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A socket signed in with `accessToken` and in the test channel's room. */
const signedInSocket = async (accessToken: string) => {
  const client = await room.connect();
  client.send({ type: 'auth', token: accessToken });
  await client.next('authenticated');
  client.send({ type: 'join', channel: slug });
  await client.next('joined');
  return client;
};

const post = async (client: TestWsClient, body: string) => {
  const nonce = randomUUID();
  client.send({ type: 'chat.send', channel: slug, body, nonce });
  return Promise.race([
    client.next('ack', (f) => f.nonce === nonce),
    client.next('error', (f) => f.nonce === nonce),
  ]);
};

const videoStatus = (progress: number): VideoStatusFrame => ({
  type: 'video.status',
  videoId: randomUUID(),
  status: 'processing',
  progress,
  failureReason: null,
});

/** Waits for the `signed_out` frame and checks it came within the promised time. */
const expectSignedOut = async (client: TestWsClient, since: number, reason = 'session_revoked') => {
  const started = Date.now();
  const frame = await client.next('signed_out', undefined, { since, timeoutMs: SIGN_OUT_WITHIN_MS });
  expect(frame.reason).toBe(reason);
  expect(Date.now() - started).toBeLessThan(SIGN_OUT_WITHIN_MS);
};

/**
 * Sends one private frame to the user, waits until `witness` (still signed in) has it, then checks
 * that none of `signedOut` got it: both sockets are on this replica, fed by the same broadcast.
 */
const expectPrivateFramesStopped = async (
  user: SignedInUser,
  signedOut: TestWsClient[],
  witness: TestWsClient,
) => {
  const marks = signedOut.map((client) => client.frames.length);
  const frame = videoStatus(77);
  await broadcastingVideoStatusPublisher(backends.rooms).publish(user.account.id, frame);
  await witness.next('video.status', (f) => f.videoId === frame.videoId);
  for (const [i, client] of signedOut.entries()) {
    const nonce = randomUUID();
    client.send({ type: 'ping', nonce });
    await client.next('pong', (f) => f.nonce === nonce);
    expect(client.frames.slice(marks[i]).filter((f) => f.type === 'video.status')).toEqual([]);
  }
};

beforeAll(async () => {
  room = await startRealtimeRoom({
    env: { WS_MAX_CONNECTIONS_PER_IP: '100', RATE_LIMIT_MAX: '10000' },
    slugPrefix: 'revoke',
  });
  ({ backends, deps, app, slug } = room);
});

afterEach(() => room.closeClients());

afterAll(() => room.close());

describe('/ws sockets of a revoked session', () => {
  it('logout signs out that session’s socket: posting is refused and private frames stop', async () => {
    const user = await registerAndLogin(app, backends);
    const other = await login(app, user.account.email, user.password);
    const socket = await signedInSocket(user.accessToken);
    const otherSocket = await signedInSocket(other.accessToken);
    expect(await post(socket, 'before logout')).toMatchObject({ type: 'ack' });

    const since = socket.frames.length;
    expect((await call('/api/v1/auth/logout', user.authorization)).status).toBe(204);
    await expectSignedOut(socket, since);
    expect(await post(socket, 'after logout')).toMatchObject({ type: 'error', code: 'unauthorized' });
    await expectPrivateFramesStopped(user, [socket], otherSocket);
    // The other session's socket is untouched, and the signed-out one still reads the room.
    expect(await post(otherSocket, 'still here')).toMatchObject({ type: 'ack' });
    await socket.next('chat.message', (f) => f.message.body === 'still here');
  });

  it('logout everywhere signs out every socket of the account', async () => {
    const user = await registerAndLogin(app, backends);
    const second = await login(app, user.account.email, user.password);
    const sockets = [await signedInSocket(user.accessToken), await signedInSocket(second.accessToken)];
    const marks = sockets.map((s) => s.frames.length);
    expect((await call('/api/v1/auth/logout-all', user.authorization)).status).toBe(204);
    for (const [i, socket] of sockets.entries()) await expectSignedOut(socket, marks[i] ?? 0);
    for (const socket of sockets) {
      expect(await post(socket, 'gone')).toMatchObject({ type: 'error', code: 'unauthorized' });
    }
  });

  it('a password change signs out the other sessions’ sockets and keeps this one', async () => {
    const user = await registerAndLogin(app, backends);
    const other = await login(app, user.account.email, user.password);
    const current = await signedInSocket(user.accessToken);
    const stale = await signedInSocket(other.accessToken);
    const since = stale.frames.length;
    const changed = await call('/api/v1/auth/password', user.authorization, {
      currentPassword: user.password,
      newPassword: 'a brand new passphrase',
    });
    expect(changed.status).toBe(204);
    await expectSignedOut(stale, since);
    await expectPrivateFramesStopped(user, [stale], current);
    expect(await post(current, 'new password, same session')).toMatchObject({ type: 'ack' });
    expect(current.frames.filter((f) => f.type === 'signed_out')).toEqual([]);
  });

  it('a suspension by an admin signs the account’s sockets out as suspended', async () => {
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const user = await registerAndLogin(app, backends);
    const socket = await signedInSocket(user.accessToken);
    const since = socket.frames.length;
    expect((await call(`/api/v1/users/${user.account.id}/suspend`, admin.authorization)).status).toBe(200);
    await expectSignedOut(socket, since, 'account_suspended');
    expect(await post(socket, 'suspended')).toMatchObject({ type: 'error', code: 'unauthorized' });
  });

  it('refuses a post once the session is revoked even when no event says so', async () => {
    // As `streamhub` writing to the database from another process, without an event bus in common.
    const user = await registerAndLogin(app, backends);
    const socket = await signedInSocket(user.accessToken);
    expect(await post(socket, 'before')).toMatchObject({ type: 'ack' });
    await new SessionsRepository(backends.database.db).revokeSession(
      (await deps.services.sessions.authenticate(user.accessToken)).sessionId,
      'logout',
    );
    const since = socket.frames.length;
    expect(await post(socket, 'after')).toMatchObject({ type: 'error', code: 'unauthorized' });
    // The refusal also signs the socket out, so its private frames stop too.
    await socket.next('signed_out', undefined, { since });
    const witness = await signedInSocket((await login(app, user.account.email, user.password)).accessToken);
    await expectPrivateFramesStopped(user, [socket], witness);
  });

  it('does not sign in a socket whose session is revoked while its auth frame is being checked', async () => {
    const user = await registerAndLogin(app, backends);
    let checked = () => {};
    let resume = () => {};
    const held = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const passed = new Promise<void>((resolve) => {
      checked = resolve;
    });
    // A second replica on the same backends whose auth check passes, then waits for the test.
    const slow = await serveRealtime(app, deps, backends, {
      hub: {
        afterAuthCheck: () => {
          checked();
          return held;
        },
      },
    });
    try {
      const client = await room.connect(slow.base);
      client.send({ type: 'auth', token: user.accessToken });
      await passed;
      // Subscribed after the slow hub: when this handler runs, the hub's has run.
      const heard = new Promise<void>((resolve) => {
        const stop = backends.events.subscribe('session.revoked', ({ userId }) => {
          if (userId !== user.account.id) return;
          stop();
          resolve();
        });
      });
      expect((await call('/api/v1/auth/logout', user.authorization)).status).toBe(204);
      // The event reaches the slow hub while the auth frame is held; then the frame goes on.
      await heard;
      resume();
      expect(await client.next('error')).toMatchObject({ code: 'invalid_token' });
      expect(client.frames.filter((f) => f.type === 'authenticated')).toEqual([]);
    } finally {
      await slow.server.close();
    }
  });

  it('account deletion signs the account’s sockets out', async () => {
    const user = await registerAndLogin(app, backends);
    const socket = await signedInSocket(user.accessToken);
    const since = socket.frames.length;
    const deleted = await app.request('/api/v1/me', {
      method: 'DELETE',
      headers: { authorization: user.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ password: user.password }),
    });
    expect(deleted.status).toBe(204);
    await expectSignedOut(socket, since, 'account_deleted');
  });
});
