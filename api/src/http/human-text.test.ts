/**
 * Text people read refuses C1 controls (U+0080–U+009F) as it refuses C0 ones: chat over a real
 * WebSocket, and comments over HTTP. PostgreSQL would store them; the docs promise they never show.
 */
import { ChatMessagePageSchema } from '@streamhub/contracts/chat';
import { CommentSchema } from '@streamhub/contracts/engagement';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { CONTROL_CHARACTER_MESSAGE } from '@streamhub/contracts/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { expectJson, send, streamerWithChannel } from '../domains/engagement/engagement-test-kit.ts';
import { createRealtimeHub, websocketEndpoint } from '../realtime/create-hub.ts';
import { serveOnNode } from '../server/node.ts';
import type { RunningServer } from '../server/types.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { connectWs, type TestWsClient } from '../testing/ws-client.ts';

const C1_SAMPLES = ['a\u0085b', 'a\u0080b', 'a\u009bb'];

async function expectControlRefused(response: Response, field: string): Promise<void> {
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(await response.json());
  expect(problem.errors).toEqual([{ path: field, message: CONTROL_CHARACTER_MESSAGE }]);
}

describe('C1 control characters in text people read', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let server: RunningServer;
  let viewer: SignedInUser;
  let slug: string;
  let sessionId: string;
  let client: TestWsClient | undefined;

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({ RATE_LIMIT_MAX: '10000' });
    app = createApp(deps).app;
    const hub = createRealtimeHub(deps, backends);
    await hub.start();
    server = await serveOnNode({
      fetch: app.fetch,
      host: '127.0.0.1',
      port: 0,
      gracePeriodMs: 1000,
      websocket: websocketEndpoint(hub, deps.config),
    });
    const channel = await streamerWithChannel(app, backends, deps);
    slug = channel.slug;
    sessionId = await channel.goLive();
    viewer = await registerAndLogin(app, backends);
  });

  afterAll(async () => {
    await client?.close();
    await server.close();
    await backends.close();
  });

  it('are refused in a chat.send frame, and nothing is stored', async () => {
    client = await connectWs(`http://127.0.0.1:${server.port}`);
    client.send({ type: 'auth', token: viewer.accessToken });
    await client.next('authenticated');
    client.send({ type: 'join', channel: slug });
    await client.next('joined');
    for (const [i, body] of C1_SAMPLES.entries()) {
      client.send({ type: 'chat.send', channel: slug, body, nonce: `c1-${i}` });
      const refused = await client.next('error', (f) => f.nonce === `c1-${i}`);
      expect(refused.code).toBe('invalid_frame');
      expect(refused.detail).toContain('control characters');
    }
    client.send({ type: 'chat.send', channel: slug, body: 'line one\n\tline two', nonce: 'fine' });
    await client.next('ack', (f) => f.nonce === 'fine');
    const history = await expectJson(
      await app.request(`/api/v1/channels/${slug}/chat/messages`),
      ChatMessagePageSchema,
    );
    expect(history.items.map((message) => message.body)).toEqual(['line one\n\tline two']);
  });

  it('are refused in a new or edited comment', async () => {
    const comments = `/api/v1/live-sessions/${sessionId}/comments`;
    for (const body of C1_SAMPLES) {
      await expectControlRefused(await app.request(comments, send('POST', { body }, viewer)), 'body.body');
    }
    const comment = await expectJson(
      await app.request(comments, send('POST', { body: 'fine' }, viewer)),
      CommentSchema,
      201,
    );
    const edit = send('PATCH', { body: 'a\u0085b' }, viewer);
    await expectControlRefused(await app.request(`/api/v1/comments/${comment.id}`, edit), 'body.body');
  });
});
