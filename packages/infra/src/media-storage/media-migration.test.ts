import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemMediaStorage } from './filesystem.ts';
import { type MediaKey, mediaKeys } from './keys.ts';
import { DbMigrationLedger } from './media-migration.db.ts';
import { type MigrationProgress, migrateMedia } from './media-migration.ts';
import { DbMultipartLedger } from './multipart-ledger.db.ts';
import { readMediaBytes } from './port.ts';
import { createS3Client, S3MediaStorage } from './s3.ts';
import { startTestS3Server, type TestS3Server } from './s3-testing.ts';

let server: TestS3Server;
let database: Database;
let dataDir: string;

beforeAll(async () => {
  [server, database, dataDir] = await Promise.all([
    startTestS3Server(),
    createTestDatabase('pglite'),
    mkdtemp(join(tmpdir(), 'streamhub-migrate-')),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), database?.close(), rm(dataDir, { recursive: true, force: true })]);
});

describe('migrateMedia (filesystem → S3)', () => {
  it('copies every served object, verified, resumes where it stopped and copies changed ones again', async () => {
    const source = new FilesystemMediaStorage({ dataDir });
    const prefix = `m${randomUUID().slice(0, 8)}`;
    const target = new S3MediaStorage({
      client: createS3Client(server.settings),
      bucket: server.bucket,
      prefix,
      ledger: new DbMultipartLedger(database.db),
    });
    const ledger = new DbMigrationLedger(database.db);
    const video = randomUUID();
    // A source bigger than one streamed part (16 MiB) goes up as a multipart upload.
    const big = randomBytes(17 * 1024 * 1024);
    const objects: [MediaKey, Buffer][] = [
      [mediaKeys.vodSource(video), big],
      [mediaKeys.vodFile(video, 'master.m3u8'), Buffer.from('#EXTM3U\n')],
      [mediaKeys.vodPoster(video), Buffer.from('poster')],
      [mediaKeys.liveFile('PlaybackId_1', '360p/seg_000001.ts'), Buffer.from('segment')],
      [mediaKeys.avatar(randomBytes(16).toString('base64url'), 64), Buffer.from('avatar')],
    ];
    for (const [key, bytes] of objects) await source.write(key, bytes);
    await source.createUpload(mediaKeys.upload(randomUUID()));

    // Interrupted after two objects (the process died): nothing half-recorded.
    const stopAfterTwo = (progress: MigrationProgress) => {
      if (progress.done === 2) throw new Error('killed');
    };
    await expect(
      migrateMedia({ source, target, targetName: 's3:test', ledger, onProgress: stopAfterTwo }),
    ).rejects.toThrow('killed');

    const seen: MigrationProgress[] = [];
    const summary = await migrateMedia({
      source,
      target,
      targetName: 's3:test',
      ledger,
      onProgress: (p) => seen.push(p),
    });
    expect(summary).toEqual({
      objects: 5,
      bytes: objects.reduce((sum, [, bytes]) => sum + bytes.length, 0),
      copied: 3,
      skipped: 2,
      uploadsLeft: 1,
    });
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.at(-1)?.bytesDone).toBe(summary.bytes);
    for (const [key, bytes] of objects) expect((await readMediaBytes(target, key))?.equals(bytes)).toBe(true);

    // A changed source is copied again; an object deleted from the target too; the rest is skipped.
    await source.write(mediaKeys.vodPoster(video), Buffer.from('new poster'));
    await target.delete(mediaKeys.vodFile(video, 'master.m3u8'));
    const again = await migrateMedia({ source, target, targetName: 's3:test', ledger });
    expect(again).toMatchObject({ copied: 2, skipped: 3 });
    expect((await readMediaBytes(target, mediaKeys.vodPoster(video)))?.toString()).toBe('new poster');
    expect((await readMediaBytes(target, mediaKeys.vodFile(video, 'master.m3u8')))?.toString()).toBe(
      '#EXTM3U\n',
    );
  });
});
