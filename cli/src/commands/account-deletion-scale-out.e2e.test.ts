/**
 * Durable events on a scale-out deployment (docs/events.md): two gateways (`serve api`) and
 * two workers (`serve worker`) as real processes on PostgreSQL and Redis. An account deleted through one
 * gateway is cleaned up exactly once in effect (each `user.deleted` consumer runs once, on one worker);
 * a deletion stored while no worker runs is cleaned up when one starts.
 */
import { existsSync, statSync } from 'node:fs';
import { channelsModule } from '@streamhub/api/domains/channels/channels.module';
import { encodeUploadMetadata } from '@streamhub/api/domains/videos/tus';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import { type Database, openDatabase } from '@streamhub/db/client';
import { comments, likes } from '@streamhub/db/schema/engagement';
import { createMemoryEventBus } from '@streamhub/infra/event-bus/memory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_CLEANED_UP, accountCleanupsLogged } from '../testing/account-cleanup.ts';
import {
  type Deployment,
  type GatewayProcess,
  type ServedProcess,
  startDeployment,
} from '../testing/deployment.ts';

const PASSWORD = 'a long test password';
const WITHIN = { timeout: 30_000, interval: 50 };

interface Account {
  id: string;
  email: string;
  authorization: string;
}

interface Streamer extends Account {
  /** Its ended and its live broadcast, each liked and commented on by a viewer. */
  broadcasts: string[];
  /** An upload in progress (its first bytes stored). */
  upload: string;
}

describe('account deletion on two gateways and two workers (PostgreSQL, Redis)', () => {
  let deployment: Deployment;
  let database: Database;
  let channels: ReturnType<typeof channelsModule.services>['channels'];
  let files: ReturnType<typeof mediaPaths>;
  const workers: ServedProcess[] = [];
  const suffix = Math.random().toString(36).slice(2, 7);
  let accounts = 0;

  beforeAll(async () => {
    deployment = await startDeployment({ label: 'deletion-scale-out' });
    const config = loadConfig(deployment.env, { envFile: false });
    database = await openDatabase({ databaseUrl: config.databaseUrl });
    // Broadcasts start as a media node starts them: the channels module's publish gate on a stream key.
    const events = createMemoryEventBus(DOMAIN_EVENTS, { prefix: 'scale-out-test:' });
    ({ channels } = channelsModule.services({ config, db: database.db, events }, {}));
    files = mediaPaths(deployment.dataDir);
  });

  afterAll(async () => {
    await deployment?.close();
    await database?.close();
  });

  const v1 = (gateway: GatewayProcess, authorization?: string) =>
    gatewayClient(gateway.base, authorization).api.v1;

  async function signUp(gateway: GatewayProcess): Promise<Account> {
    accounts += 1;
    const username = `user${accounts}_${suffix}`;
    const email = `${username}@example.test`;
    const account = await ok(
      v1(gateway).auth.register.$post({ json: { email, username, password: PASSWORD } }),
    );
    const tokens = await ok(v1(gateway).auth.login.$post({ json: { email, password: PASSWORD } }));
    return { id: account.id, email, authorization: `Bearer ${tokens.accessToken}` };
  }

  /** A streamer with a channel, two broadcasts `viewer` liked and commented on, and an upload in progress. */
  async function streamer(gateway: GatewayProcess, admin: Account, viewer: Account): Promise<Streamer> {
    const account = await signUp(gateway);
    await ok(
      v1(gateway, admin.authorization).users[':id'].role.$put({
        param: { id: account.id },
        json: { role: 'streamer' },
      }),
    );
    const slug = `del-${accounts}-${suffix}`;
    await ok(v1(gateway, account.authorization).channels.$post({ json: { slug, title: 'Doomed' } }));
    const key = await ok(
      v1(gateway, account.authorization).channels[':slug'].keys.$post({
        param: { slug },
        json: { name: 'OBS' },
      }),
    );
    const goLive = async () => {
      const decision = await channels.authorizePublish(key.secret);
      if (!decision.ok) throw new Error(`publish refused: ${decision.reason}`);
      return decision.sessionId;
    };
    const ended = await goLive();
    await channels.endSession(ended, { recorded: false });
    const broadcasts = [ended, await goLive()];
    for (const id of broadcasts) {
      const session = v1(gateway, viewer.authorization)['live-sessions'][':id'];
      await ok(session.like.$put({ param: { id } }));
      await ok(session.comments.$post({ param: { id }, json: { body: 'Great stream' } }));
    }
    return { ...account, broadcasts, upload: await uploadInProgress(gateway, account) };
  }

  /** Starts a tus upload and sends its first 1,000 bytes. */
  async function uploadInProgress(gateway: GatewayProcess, owner: Account): Promise<string> {
    const tus = { 'Tus-Resumable': '1.0.0', Authorization: owner.authorization };
    const created = await fetch(`${gateway.base}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...tus, 'Upload-Length': '4096', 'Upload-Metadata': encodeUploadMetadata({ title: 'WIP' }) },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = created.headers.get('location') ?? '';
    const patched = await fetch(`${gateway.base}${location}`, {
      method: 'PATCH',
      headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
      body: new Uint8Array(1000),
    });
    expect(patched.status, await patched.clone().text()).toBe(204);
    const videoId = location.split('/').at(-1) ?? '';
    expect(statSync(files.upload(videoId)).size).toBe(1000);
    return videoId;
  }

  const engagementOn = async (targets: string[]) => ({
    likes: (await database.db.select().from(likes).where(inArray(likes.targetId, targets))).length,
    comments: (await database.db.select().from(comments).where(inArray(comments.targetId, targets))).length,
  });

  const storedDeletions = (userId: string) =>
    database.db
      .select({ published: sql<boolean>`published_at is not null` })
      .from(sql`events.outbox`)
      .where(sql`name = 'user.deleted' and aggregate = ${`user:${userId}`}`);

  const startWorker = async () => {
    const worker = await deployment.worker();
    workers.push(worker);
    return worker;
  };

  const deleteAccount = (gateway: GatewayProcess, account: Account) =>
    ok(v1(gateway, account.authorization).me.$delete({ json: { password: PASSWORD } }));

  async function expectCleanedUp(doomed: Streamer): Promise<void> {
    await vi.waitFor(async () => {
      expect(await engagementOn(doomed.broadcasts)).toEqual({ likes: 0, comments: 0 });
      expect(existsSync(files.upload(doomed.upload))).toBe(false);
      expect(accountCleanupsLogged(workers, doomed.id)).toEqual(ACCOUNT_CLEANED_UP);
    }, WITHIN);
    expect(await storedDeletions(doomed.id)).toEqual([{ published: true }]);
  }

  it('cleans a deletion up once across replicas, and one stored while no worker runs once a worker starts', async () => {
    const [first, second] = await Promise.all([deployment.gateway(), deployment.gateway()]);
    await Promise.all([startWorker(), startWorker()]);
    // The first account of a fresh instance is its admin.
    const admin = await signUp(first);
    const viewer = await signUp(second);
    const bystander = await streamer(second, admin, viewer);

    // Deleted through one gateway: both relays hear of it (one is active), both workers consume jobs.
    const doomed = await streamer(first, admin, viewer);
    expect(await engagementOn(doomed.broadcasts)).toEqual({ likes: 2, comments: 2 });
    await deleteAccount(first, doomed);
    await expectCleanedUp(doomed);

    // No worker runs: the gateways relay the deletion into Redis, and nothing handles it yet.
    await Promise.all(workers.map((worker) => worker.stop()));
    const later = await streamer(first, admin, viewer);
    await deleteAccount(second, later);
    await vi.waitFor(
      async () => expect(await storedDeletions(later.id)).toEqual([{ published: true }]),
      WITHIN,
    );
    expect(await engagementOn(later.broadcasts)).toEqual({ likes: 2, comments: 2 });
    expect(existsSync(files.upload(later.upload))).toBe(true);

    // A worker that starts now handles it.
    await startWorker();
    await expectCleanedUp(later);

    // Once in effect, and nobody else's data: the first deletion was still handled once by each consumer.
    expect(accountCleanupsLogged(workers, doomed.id)).toEqual(ACCOUNT_CLEANED_UP);
    expect(await engagementOn(bystander.broadcasts)).toEqual({ likes: 2, comments: 2 });
    expect(statSync(files.upload(bystander.upload)).size).toBe(1000);
  }, 240_000);
});
