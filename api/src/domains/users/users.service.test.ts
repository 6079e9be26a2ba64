import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAIN_EVENTS, type DomainEventPayload, type DomainEvents } from '@streamhub/contracts/events';
import type { Database } from '@streamhub/db/client';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { AppError } from '@streamhub/errors/app-error';
import { createMemoryEventBus } from '@streamhub/infra/event-bus/memory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AvatarRenditions, renderAvatar } from './avatar-image.ts';
import { UsersRepository } from './users.repository.ts';
import { UsersService } from './users.service.ts';

describe.each(testDatabases())('UsersService on %s', (driver) => {
  let database: Database;
  let users: UsersRepository;
  let dataDir: string;
  const revoked: [string, string][] = [];
  const events = createMemoryEventBus(DOMAIN_EVENTS, { prefix: `test-users-${crypto.randomUUID()}:` });
  const suspended: DomainEventPayload<'user.suspended'>[] = [];
  events.subscribe('user.suspended', (payload) => {
    suspended.push(payload);
  });
  const logged: unknown[][] = [];
  const service = (
    render?: (input: Uint8Array) => Promise<AvatarRenditions>,
    bus: Pick<EventBus<DomainEvents>, 'publish'> = events,
  ) =>
    new UsersService({
      users,
      sessions: {
        revokeAllForUser: async (userId, reason) => {
          revoked.push([userId, reason]);
        },
      },
      events: bus,
      // These users own no channel and no videos; account-deletion.test.ts covers accounts that do.
      channels: { broadcastsOf: async () => undefined },
      videos: { idsOwnedBy: async () => [] },
      logger: {
        error: (...args: unknown[]) => {
          logged.push(args);
        },
      },
      media: new FilesystemMediaStorage({ dataDir }),
      publicUrl: 'https://streamhub.test',
      avatarMaxBytes: 1024 * 1024,
      ...(render ? { renderAvatar: render } : {}),
    });
  const files = () => readdir(mediaPaths(dataDir).collection('avatars')).catch(() => [] as string[]);
  let png: Buffer;
  let counter = 0;
  const newUser = () => {
    counter += 1;
    return users.create({ email: `svc${counter}@example.com`, username: `svc${counter}` });
  };

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    users = new UsersRepository(database.db);
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-users-service-'));
    png = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
  });
  afterAll(async () => {
    await database?.close();
    await events.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('names avatar files so that the file route serves them, whatever the random id', async () => {
    const user = await newUser();
    const svc = service();
    // Base64url ids may start with - or _; enough uploads make that happen.
    const ids: string[] = [];
    for (let n = 0; n < 40; n++) {
      const { avatar } = await svc.setAvatar(user.id, png);
      const names = [avatar?.large, avatar?.small].map((url) => url?.split('/').at(-1) ?? '');
      for (const name of names) {
        expect(mediaKeys.avatarFile(name), name).toBeDefined();
        const answer = await svc.avatarFile(name);
        if (!('read' in answer)) throw new Error('expected the avatar through the gateway');
        expect(answer.read.stat.size).toBeGreaterThan(0);
        answer.read.body.destroy();
      }
      ids.push(names[0]?.replace('-256.webp', '') ?? '');
    }
    // Each replaced avatar's files are gone; the current one's two remain.
    const current = ids.at(-1) ?? '';
    const remaining = await files();
    expect(remaining.filter((f) => ids.some((id) => f.startsWith(id))).sort()).toEqual([
      `${current}-256.webp`,
      `${current}-64.webp`,
    ]);
  });

  it('leaves no files behind when the user is deleted while the image is processed', async () => {
    const user = await newUser();
    const before = await files();
    const svc = service(async (input) => {
      await users.delete(user.id);
      return renderAvatar(input);
    });
    const error = await svc.setAvatar(user.id, png).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(404);
    expect((await files()).sort()).toEqual(before.sort());
  });

  it('refuses images over the limit by their real size, before decoding them', async () => {
    const user = await newUser();
    let rendered = false;
    const svc = service(async (input) => {
      rendered = true;
      return renderAvatar(input);
    });
    const error = await svc.setAvatar(user.id, new Uint8Array(1024 * 1024 + 1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(rendered).toBe(false);
  });

  it('revokes the sessions of a suspended user, emits user.suspended, and refuses to suspend or demote oneself', async () => {
    const admin = await users.create({ email: 'svc-admin@example.com', username: 'svcadmin', role: 'admin' });
    const target = await newUser();
    const svc = service();
    await expect(svc.suspend(admin.id, target.id)).resolves.toMatchObject({ status: 'suspended' });
    expect(revoked).toContainEqual([target.id, 'suspended']);
    await vi.waitFor(() => expect(suspended.map((event) => event.userId)).toEqual([target.id]));
    await expect(svc.suspend(admin.id, admin.id)).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(svc.setRole(admin.id, admin.id, 'viewer')).rejects.toMatchObject({ status: 409 });
    await expect(svc.setRole(admin.id, admin.id, 'admin')).resolves.toMatchObject({ role: 'admin' });
    expect((await users.findById(admin.id))?.status).toBe('active');
  });

  it('deletes the account even when user.deleted cannot be published, and logs the lost event', async () => {
    const user = await users.create({ email: 'svc-gone@example.com', username: 'svcgone' });
    const brokerDown: Pick<EventBus<DomainEvents>, 'publish'> = {
      publish: () => Promise.reject(new Error('broker unreachable')),
    };
    await service(undefined, brokerDown).deleteAccount(user.id, { confirm: 'svcgone' });
    expect(await users.findById(user.id)).toBeUndefined();
    await vi.waitFor(() =>
      expect(logged).toContainEqual([
        expect.objectContaining({
          err: expect.objectContaining({ message: 'broker unreachable' }),
          event: expect.objectContaining({
            userId: user.id,
            channelId: null,
            liveSessions: [],
            videoIds: [],
          }),
        }),
        'could not publish user.deleted',
      ]),
    );
  });

  it('answers before user.deleted is published: a broker that never answers does not hold the deletion', async () => {
    const user = await users.create({ email: 'svc-slow@example.com', username: 'svcslow' });
    const hanging: Pick<EventBus<DomainEvents>, 'publish'> = { publish: () => new Promise(() => {}) };
    await service(undefined, hanging).deleteAccount(user.id, { confirm: 'svcslow' });
    expect(await users.findById(user.id)).toBeUndefined();
  });
});
