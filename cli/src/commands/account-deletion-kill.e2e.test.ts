/**
 * An account deletion's clean-up survives killed processes (PostgreSQL + Redis, docs/events.md): the
 * process that deleted the account is SIGKILLed after its commit, before any relay saw `user.deleted`;
 * a relay is SIGKILLed after enqueueing the consumers' jobs and before marking the event published. A
 * worker (`serve worker`) started afterwards removes the likes and comments on the account's broadcasts
 * and videos and its video files, each consumer running once.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp, type GatewayApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import type { TargetRef } from '@streamhub/api/domains/engagement/engagement-targets';
import {
  MANY_LOGINS_POLICY,
  type StreamerChannel,
  streamerWithChannel,
} from '@streamhub/api/domains/engagement/engagement-test-kit';
import { LikesRepository } from '@streamhub/api/domains/engagement/likes.repository';
import { readyVideo } from '@streamhub/api/domains/videos/videos-test-kit';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import type { Database } from '@streamhub/db/client';
import { comments, likes } from '@streamhub/db/schema/engagement';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_CLEANED_UP, accountCleanupsLogged } from '../testing/account-cleanup.ts';
import { waitForLine } from '../testing/cli-process.ts';
import { type Deployment, type ServedProcess, startDeployment } from '../testing/deployment.ts';

const STEPS = fileURLToPath(new URL('../testing/outbox-steps.child.ts', import.meta.url));
const WITHIN = { timeout: 30_000, interval: 50 };

/** The URL of a test database opened on PostgreSQL, for the processes to open it too. */
function urlOf(database: Database): string {
  if (database.driver !== 'postgres') throw new Error('the kill test runs on PostgreSQL');
  const { host, port, user, pass, database: name } = database.client.options;
  const url = new URL(`postgres://${host[0]}:${port[0]}/${name}`);
  url.username = user;
  if (typeof pass === 'string') url.password = pass;
  return url.toString();
}

interface Doomed {
  owner: SignedInUser;
  /** Its ended and live broadcasts and its video, liked (and the broadcasts commented on) by a viewer. */
  targets: TargetRef[];
  video: string;
}

describe('account deletion across killed processes (PostgreSQL + Redis)', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let deployment: Deployment;
  let files: ReturnType<typeof mediaPaths>;
  let viewer: SignedInUser;
  let bystander: { targets: TargetRef[]; video: string };

  beforeAll(async () => {
    backends = await createTestBackends('postgres');
    deployment = await startDeployment({ label: 'deletion-kill', databaseUrl: urlOf(backends.database) });
    // This process sets the accounts up on the same database and media directory; it runs no relay.
    deps = backends.deps({ STREAMHUB_DATA_DIR: deployment.dataDir }, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
    files = mediaPaths(deployment.dataDir);
    viewer = await registerAndLogin(app, backends);
    const other = await streamerWithChannel(app, backends, deps);
    bystander = await engaged(other);
  });

  afterAll(async () => {
    await deployment?.close();
    await backends?.close();
  });

  /** A broadcast that ended, one still live and a ready video of `channel`: each liked, the broadcasts commented on. */
  async function engaged(channel: StreamerChannel): Promise<{ targets: TargetRef[]; video: string }> {
    const ended = await channel.goLive();
    await deps.services.channels.endSession(ended, { recorded: false });
    const live = await channel.goLive();
    const video = await readyVideo(backends, deps, channel.owner, { channelId: channel.channelId });
    const broadcasts: TargetRef[] = [
      { type: 'live_session', id: ended },
      { type: 'live_session', id: live },
    ];
    const actor = { userId: viewer.account.id, role: viewer.account.role };
    for (const target of broadcasts) {
      await deps.services.likes.like(viewer.account.id, target);
      await deps.services.comments.create(actor, target, { body: 'Nice' });
    }
    // Videos take no likes through the service yet; a like stored for one must go as well.
    await new LikesRepository(backends.database.db).like(viewer.account.id, { type: 'video', id: video });
    expect(existsSync(files.video(video))).toBe(true);
    return { targets: [...broadcasts, { type: 'video', id: video }], video };
  }

  async function doomedAccount(): Promise<Doomed> {
    const channel = await streamerWithChannel(app, backends, deps);
    return { owner: channel.owner, ...(await engaged(channel)) };
  }

  const engagementOn = async (targets: TargetRef[]) => {
    const ids = targets.map((target) => target.id);
    const db = backends.database.db;
    return {
      likes: (await db.select().from(likes).where(inArray(likes.targetId, ids))).length,
      comments: (await db.select().from(comments).where(inArray(comments.targetId, ids))).length,
    };
  };

  const storedDeletion = (userId: string) =>
    backends.database.db
      .select({ id: sql<string>`id::text`, published: sql<boolean>`published_at is not null` })
      .from(sql`events.outbox`)
      .where(sql`name = 'user.deleted' and aggregate = ${`user:${userId}`}`);

  /** Deletes the account in a process of its own, which is SIGKILLed right after the commit. */
  async function deleteThenKill(doomed: Doomed): Promise<string> {
    const userId = doomed.owner.account.id;
    const deleting = deployment.script(STEPS, ['delete', userId, doomed.owner.password]);
    await waitForLine(deleting.child, (line) => line.deleted === userId, 60_000);
    await deleting.kill();
    const [stored, ...more] = await storedDeletion(userId);
    expect(more).toEqual([]);
    expect(stored).toMatchObject({ published: false });
    await expectUntouched(doomed);
    return stored?.id ?? '';
  }

  /** Nothing has been cleaned up yet: no consumer ran. */
  const expectUntouched = async (doomed: Doomed) => {
    expect(await engagementOn(doomed.targets)).toEqual({ likes: 3, comments: 2 });
    expect(existsSync(files.video(doomed.video))).toBe(true);
  };

  /** `worker` cleans the account up, each consumer once, and nobody else's data. */
  async function expectCleanedUpOnce(worker: ServedProcess, doomed: Doomed): Promise<void> {
    const userId = doomed.owner.account.id;
    await vi.waitFor(async () => {
      expect(await engagementOn(doomed.targets)).toEqual({ likes: 0, comments: 0 });
      expect(existsSync(files.video(doomed.video))).toBe(false);
      expect(await storedDeletion(userId)).toMatchObject([{ published: true }]);
    }, WITHIN);
    // A later deletion, relayed and handled by the same worker, drains each consumer's queue (one job at
    // a time, in order): a second run of the first deletion would have come before it.
    const later = await doomedAccount();
    await deps.services.users.deleteAccount(later.owner.account.id, { password: later.owner.password });
    await vi.waitFor(
      () => expect(accountCleanupsLogged([worker], later.owner.account.id)).toEqual(ACCOUNT_CLEANED_UP),
      WITHIN,
    );
    expect(accountCleanupsLogged([worker], userId)).toEqual(ACCOUNT_CLEANED_UP);
    expect(await engagementOn(bystander.targets)).toEqual({ likes: 3, comments: 2 });
    expect(existsSync(files.video(bystander.video))).toBe(true);
  }

  it('cleans up once after the deleting process was SIGKILLed between its commit and any relay', async () => {
    const doomed = await doomedAccount();
    await deleteThenKill(doomed);

    const worker = await deployment.worker();
    await expectCleanedUpOnce(worker, doomed);
    await worker.stop();
  }, 180_000);

  it('cleans up once after a relay was SIGKILLed between enqueueing the jobs and marking the event', async () => {
    const doomed = await doomedAccount();
    const eventId = await deleteThenKill(doomed);

    const stalled = deployment.script(STEPS, ['relay-stall']);
    const { enqueued } = await waitForLine(stalled.child, (line) => Array.isArray(line.enqueued), 60_000);
    expect(enqueued).toContain(eventId);
    await stalled.kill();
    // The consumers' jobs wait in Redis; the event is still unpublished, so the next relay enqueues it again.
    expect(await storedDeletion(doomed.owner.account.id)).toEqual([{ id: eventId, published: false }]);
    await expectUntouched(doomed);

    const worker = await deployment.worker();
    await expectCleanedUpOnce(worker, doomed);
    await worker.stop();
  }, 180_000);
});
