/** The like routes over the real gateway app, on PGlite and PostgreSQL. */
import { LikeStateSchema } from '@streamhub/contracts/engagement';
import { likes } from '@streamhub/db/schema/engagement';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from './engagement-test-kit.ts';

describe.each(testDatabases())('like routes on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const viewer = () => registerAndLogin(app, backends);
  const session = async () => (await streamerWithChannel(app, backends, deps)).goLive();
  const like = async (sessionId: string, method: string, user?: SignedInUser) =>
    expectJson(
      await app.request(`/api/v1/live-sessions/${sessionId}/like`, send(method, undefined, user)),
      LikeStateSchema,
    );

  it('documents every like operation in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[]; security?: unknown }>>;
    };
    const operations = doc.paths['/api/v1/live-sessions/{id}/like'] ?? {};
    expect(
      Object.values(operations)
        .map((operation) => operation.operationId)
        .sort(),
    ).toEqual(['getLiveSessionLikes', 'likeLiveSession', 'unlikeLiveSession'].sort());
    // Reading works without a token; a token adds `liked`.
    expect(operations.get?.security).toEqual([{}, { bearerAuth: [] }]);
  });

  it('likes and unlikes idempotently, counting each user once', async () => {
    const id = await session();
    const [ada, bob] = [await viewer(), await viewer()];
    expect(await like(id, 'GET')).toEqual({ liked: false, likeCount: 0 });

    expect(await like(id, 'PUT', ada)).toEqual({ liked: true, likeCount: 1 });
    expect(await like(id, 'PUT', ada)).toEqual({ liked: true, likeCount: 1 });
    expect(await like(id, 'PUT', bob)).toEqual({ liked: true, likeCount: 2 });
    expect(await like(id, 'GET', ada)).toEqual({ liked: true, likeCount: 2 });
    expect(await like(id, 'GET')).toEqual({ liked: false, likeCount: 2 });

    expect(await like(id, 'DELETE', ada)).toEqual({ liked: false, likeCount: 1 });
    expect(await like(id, 'DELETE', ada)).toEqual({ liked: false, likeCount: 1 });
    expect(await like(id, 'GET', ada)).toEqual({ liked: false, likeCount: 1 });
    expect(await like(id, 'GET', bob)).toEqual({ liked: true, likeCount: 1 });

    // Likes of one session are not another's.
    expect(await like(await session(), 'GET', bob)).toEqual({ liked: false, likeCount: 0 });
  });

  it('keeps likes on a session after it ends (its recording)', async () => {
    const id = await session();
    const ada = await viewer();
    await like(id, 'PUT', ada);
    expect(await deps.services.channels.endSession(id, { recorded: true })).toBe(true);
    expect(await like(id, 'GET', ada)).toEqual({ liked: true, likeCount: 1 });
    expect(await like(id, 'DELETE', ada)).toEqual({ liked: false, likeCount: 0 });
  });

  it('refuses anonymous writes, bad tokens, malformed and unknown ids', async () => {
    const id = await session();
    const ada = await viewer();
    const path = `/api/v1/live-sessions/${id}/like`;
    for (const method of ['PUT', 'DELETE']) {
      await expectProblem(await app.request(path, send(method)), 401, 'invalid_token');
    }
    await expectProblem(
      await app.request(path, { headers: { Authorization: 'Bearer not.a.token' } }),
      401,
      'invalid_token',
    );
    for (const method of ['PUT', 'DELETE', 'GET']) {
      const malformed = await expectProblem(
        await app.request('/api/v1/live-sessions/not-a-uuid/like', send(method, undefined, ada)),
        422,
        'validation_failed',
      );
      expect(malformed.errors?.[0]?.path).toBe('path.id');
      await expectProblem(
        await app.request(`/api/v1/live-sessions/${crypto.randomUUID()}/like`, send(method, undefined, ada)),
        404,
        'not_found',
      );
    }
    // Nothing was stored for the unknown targets.
    expect(await backends.database.db.select().from(likes).where(eq(likes.userId, ada.account.id))).toEqual(
      [],
    );
  });
});
