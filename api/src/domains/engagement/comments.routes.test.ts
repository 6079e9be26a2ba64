/** The comment routes over the real gateway app, on PGlite and PostgreSQL. */
import { type Comment, CommentPageSchema, CommentSchema } from '@streamhub/contracts/engagement';
import { comments } from '@streamhub/db/schema/engagement';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import {
  eventually,
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from './engagement-test-kit.ts';

describe.each(testDatabases())('comment routes on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const created = () => storedEvents(backends.database.db, 'comment.created');

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    // The rate limit has a test of its own; the others post freely.
    deps = backends.deps(
      {},
      {},
      { abusePolicy: MANY_LOGINS_POLICY, commentRateLimit: { max: 1000, windowMs: 60_000 } },
    );
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const viewer = () => registerAndLogin(app, backends);

  /** A live session with its channel owner and a moderator appointed over the chat API. */
  const broadcast = async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const sessionId = await channel.goLive();
    const moderator = await viewer();
    const appointed = await app.request(
      `/api/v1/channels/${channel.slug}/moderators/${moderator.account.id}`,
      send('PUT', undefined, channel.owner),
    );
    expect(appointed.status, await appointed.clone().text()).toBe(200);
    return { ...channel, sessionId, moderator, path: `/api/v1/live-sessions/${sessionId}/comments` };
  };

  const post = async (path: string, user: SignedInUser, body: Record<string, unknown>) =>
    expectJson(await app.request(path, send('POST', body, user)), CommentSchema, 201);

  /** Every page of a list, following nextCursor, with the page size `limit`. */
  const allPages = async (path: string, limit: number) => {
    const items: Comment[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await expectJson(await app.request(`${path}?${query}`), CommentPageSchema);
      items.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(50);
    } while (cursor);
    return { items, pages };
  };

  it('documents every comment operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'comments')).toEqual(
      [
        'commentLiveSession',
        'deleteComment',
        'listCommentReplies',
        'listLiveSessionComments',
        'updateComment',
      ].sort(),
    );
  });

  it('creates a comment with its author, publishes comment.created once and lists it publicly', async () => {
    const { path, sessionId } = await broadcast();
    const ada = await viewer();
    const comment = await post(path, ada, { body: '  What a play!  ' });
    expect(comment).toEqual({
      id: expect.any(String),
      targetType: 'live_session',
      targetId: sessionId,
      parentId: null,
      author: { id: ada.account.id, username: ada.account.username, displayName: null },
      body: 'What a play!',
      createdAt: expect.any(String),
      edited: false,
      editedAt: null,
      replyCount: 0,
    });
    await eventually(async () =>
      expect((await created()).filter((event) => event.commentId === comment.id)).toEqual([
        {
          commentId: comment.id,
          targetType: 'live_session',
          targetId: sessionId,
          authorId: ada.account.id,
          parentId: null,
          createdAt: comment.createdAt,
        },
      ]),
    );
    const page = await expectJson(await app.request(path), CommentPageSchema);
    expect(page).toEqual({ items: [comment], nextCursor: null });
  });

  it('validates the body, the ids and the caller', async () => {
    const { path } = await broadcast();
    const ada = await viewer();
    await expectProblem(await app.request(path, send('POST', { body: 'hi' })), 401, 'invalid_token');
    for (const body of [
      {},
      { body: '' },
      { body: '   \n ' },
      { body: 'x'.repeat(2001) },
      { body: 'bell\u0007' },
      { body: 'ok', extra: true },
      { body: 'ok', parentId: 'not-a-uuid' },
    ]) {
      await expectProblem(await app.request(path, send('POST', body, ada)), 422, 'validation_failed');
    }
    expect((await post(path, ada, { body: 'x'.repeat(2000) })).body).toHaveLength(2000);
    expect((await post(path, ada, { body: 'line one\n\tline two' })).body).toBe('line one\n\tline two');
    await expectProblem(
      await app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: ada.authorization },
        body: '{',
      }),
      400,
      'malformed_json',
    );

    const malformed = await expectProblem(
      await app.request('/api/v1/live-sessions/nope/comments', send('POST', { body: 'hi' }, ada)),
      422,
      'validation_failed',
    );
    expect(malformed.errors?.map((error) => error.path)).toEqual(['path.id']);
    await expectProblem(await app.request('/api/v1/live-sessions/nope/comments'), 422, 'validation_failed');
    const unknown = `/api/v1/live-sessions/${crypto.randomUUID()}/comments`;
    await expectProblem(await app.request(unknown, send('POST', { body: 'hi' }, ada)), 404, 'not_found');
    await expectProblem(await app.request(unknown), 404, 'not_found');
    await expectProblem(await app.request(`${path}?cursor=garbage`), 422, 'validation_failed');
    await expectProblem(await app.request(`${path}?limit=101`), 422, 'validation_failed');
    for (const [method, body] of [
      ['PATCH', { body: 'x' }],
      ['DELETE', undefined],
      ['GET', undefined],
    ] as const) {
      const suffix = method === 'GET' ? '/replies' : '';
      await expectProblem(
        await app.request(`/api/v1/comments/not-a-uuid${suffix}`, send(method, body, ada)),
        422,
        'validation_failed',
      );
      await expectProblem(
        await app.request(`/api/v1/comments/${crypto.randomUUID()}${suffix}`, send(method, body, ada)),
        404,
        'not_found',
      );
    }
  });

  it('replies one level deep, to comments of the same session only', async () => {
    const { path } = await broadcast();
    const other = await broadcast();
    const [ada, bob] = [await viewer(), await viewer()];
    const top = await post(path, ada, { body: 'top' });
    const replies: Comment[] = [];
    for (const body of ['first', 'second', 'third', 'fourth', 'fifth']) {
      replies.push(await post(path, bob, { body, parentId: top.id }));
    }
    expect(replies[0]).toMatchObject({ parentId: top.id, replyCount: 0 });
    await eventually(async () =>
      expect((await created()).find((event) => event.commentId === replies[0]?.id)?.parentId).toBe(top.id),
    );

    await expectProblem(
      await app.request(path, send('POST', { body: 'deeper', parentId: replies[0]?.id }, ada)),
      422,
      'reply_to_reply',
    );
    const foreign = await expectProblem(
      await app.request(other.path, send('POST', { body: 'elsewhere', parentId: top.id }, ada)),
      422,
      'validation_failed',
    );
    expect(foreign.errors?.map((error) => error.path)).toEqual(['body.parentId']);
    await expectProblem(
      await app.request(path, send('POST', { body: 'ghost', parentId: crypto.randomUUID() }, ada)),
      422,
      'validation_failed',
    );

    // Top-level lists leave replies out and count them.
    const listed = await expectJson(await app.request(path), CommentPageSchema);
    expect(listed.items.map((item) => [item.id, item.replyCount])).toEqual([[top.id, 5]]);

    // Replies read oldest first, page by page.
    const repliesPath = `/api/v1/comments/${top.id}/replies`;
    for (const limit of [1, 2, 5, 100]) {
      const { items } = await allPages(repliesPath, limit);
      expect(
        items.map((item) => item.body),
        `limit ${limit}`,
      ).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
    }
    expect(
      await expectJson(await app.request(`/api/v1/comments/${replies[0]?.id}/replies`), CommentPageSchema),
    ).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('pages top-level comments newest first with no duplicates or gaps', async () => {
    const { path } = await broadcast();
    const ada = await viewer();
    const posted: string[] = [];
    for (let i = 0; i < 7; i++) posted.push((await post(path, ada, { body: `comment ${i}` })).id);
    for (const limit of [1, 2, 3, 7, 20]) {
      const { items, pages } = await allPages(path, limit);
      expect(
        items.map((item) => item.id),
        `limit ${limit}`,
      ).toEqual([...posted].reverse());
      expect(pages).toBe(Math.max(1, Math.ceil(7 / limit)));
    }
  });

  it('lets only the author edit, marking the comment edited', async () => {
    const { path, owner, moderator } = await broadcast();
    const ada = await viewer();
    const comment = await post(path, ada, { body: 'frist' });
    const commentPath = `/api/v1/comments/${comment.id}`;

    for (const someone of [
      await viewer(),
      owner,
      moderator,
      await registerAndLogin(app, backends, { role: 'admin' }),
    ]) {
      await expectProblem(
        await app.request(commentPath, send('PATCH', { body: 'mine now' }, someone)),
        403,
        'forbidden',
      );
    }
    await expectProblem(await app.request(commentPath, send('PATCH', { body: 'x' })), 401, 'invalid_token');
    await expectProblem(
      await app.request(commentPath, send('PATCH', { body: ' ' }, ada)),
      422,
      'validation_failed',
    );

    const edited = await expectJson(
      await app.request(commentPath, send('PATCH', { body: ' first ' }, ada)),
      CommentSchema,
    );
    expect(edited).toEqual({ ...comment, body: 'first', edited: true, editedAt: expect.any(String) });
    expect(Date.parse(edited.editedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(comment.createdAt));
    const listed = await expectJson(await app.request(path), CommentPageSchema);
    expect(listed.items).toEqual([edited]);
  });

  it("lets the author, the channel's owner and moderators and admins delete, replies included", async () => {
    const { path, owner, moderator } = await broadcast();
    const [ada, bob] = [await viewer(), await viewer()];
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    // A moderator of another channel has no say here.
    const elsewhere = await broadcast();

    for (const remover of [ada, owner, moderator, admin]) {
      const comment = await post(path, ada, { body: 'delete me' });
      const reply = await post(path, bob, { body: 'a reply', parentId: comment.id });
      const commentPath = `/api/v1/comments/${comment.id}`;
      for (const outsider of [bob, elsewhere.moderator, elsewhere.owner]) {
        await expectProblem(
          await app.request(commentPath, send('DELETE', undefined, outsider)),
          403,
          'forbidden',
        );
      }
      await expectProblem(await app.request(commentPath, send('DELETE')), 401, 'invalid_token');

      const deleted = await app.request(commentPath, send('DELETE', undefined, remover));
      expect(deleted.status, await deleted.clone().text()).toBe(204);
      await expectProblem(
        await app.request(commentPath, send('DELETE', undefined, remover)),
        404,
        'not_found',
      );
      await expectProblem(await app.request(`${commentPath}/replies`), 404, 'not_found');
      expect(await backends.database.db.select().from(comments).where(eq(comments.id, reply.id))).toEqual([]);
    }

    // Deleting a reply leaves its parent, one reply fewer.
    const parent = await post(path, ada, { body: 'parent' });
    const reply = await post(path, bob, { body: 'reply', parentId: parent.id });
    expect((await app.request(`/api/v1/comments/${reply.id}`, send('DELETE', undefined, bob))).status).toBe(
      204,
    );
    const listed = await expectJson(await app.request(path), CommentPageSchema);
    expect(listed.items.map((item) => [item.id, item.replyCount])).toEqual([[parent.id, 0]]);
  });

  it('rate-limits comments per user with 429 rate_limited', async () => {
    const limitedDeps = backends.deps({}, {}, { commentRateLimit: { max: 3, windowMs: 60_000 } });
    const limited = createApp(limitedDeps).app;
    const { path } = await broadcast();
    const [ada, bob] = [await viewer(), await viewer()];
    const allowed: Comment[] = [];
    for (let i = 0; i < 3; i++) {
      allowed.push(
        await expectJson(
          await limited.request(path, send('POST', { body: `ok ${i}` }, ada)),
          CommentSchema,
          201,
        ),
      );
    }
    const refused = await limited.request(path, send('POST', { body: 'one too many' }, ada));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectProblem(refused, 429, 'rate_limited');
    // Replies count too; other users have their own allowance.
    await expectProblem(
      await limited.request(path, send('POST', { body: 'reply', parentId: allowed[0]?.id }, ada)),
      429,
      'rate_limited',
    );
    expect((await limited.request(path, send('POST', { body: 'hello' }, bob))).status).toBe(201);
    const page = await expectJson(await limited.request(`${path}?limit=100`), CommentPageSchema);
    expect(page.items.filter((item) => item.author.id === ada.account.id)).toHaveLength(3);
  });
});
