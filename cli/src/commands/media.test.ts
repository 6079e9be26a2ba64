import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

let server: TestS3Server;
beforeAll(async () => {
  server = await startTestS3Server();
});
afterAll(async () => {
  await server?.stop();
});

describe('streamhub media migrate', { timeout: 120_000 }, () => {
  it('refuses a target other than s3, and s3 without a bucket, with one line', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamhub-cli-'));
    const wrong = await runCli(['media', 'migrate', '--to', 'gcs'], { cwd });
    expect(wrong).toMatchObject({ code: 1, stderr: 'streamhub: --to must be s3 (got "gcs")\n' });
    const unset = await runCli(['media', 'migrate', '--to', 's3'], { cwd });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe(
      'streamhub: Invalid configuration: S3_BUCKET must be set when MEDIA_STORAGE is s3\n',
    );
    rmSync(cwd, { recursive: true, force: true });
  });

  it('copies the data directory’s media to the bucket with progress, then finds it all there', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamhub-cli-'));
    const dataDir = join(cwd, '.streamhub');
    expect((await runCli(['db', 'migrate'], { cwd })).code).toBe(0);
    const source = createMediaStorage({ dataDir });
    const video = randomUUID();
    await source.write(mediaKeys.vodPoster(video), Buffer.from('poster'));
    await source.write(mediaKeys.vodFile(video, 'master.m3u8'), Buffer.from('#EXTM3U\n'));
    const prefix = `cli-${randomUUID().slice(0, 8)}`;
    const env = {
      S3_ENDPOINT: server.endpoint,
      S3_BUCKET: server.bucket,
      S3_PREFIX: prefix,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    };

    const first = await runCli(['media', 'migrate', '--to', 's3'], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('2/2 objects');
    expect(first.stdout).toContain(
      `Migrated 2 objects (0.0 MiB) to s3:${server.bucket}/${prefix}: 2 copied and verified, 0 already there.`,
    );
    const poster = await fetch(`${server.bucketUrl}/${prefix}/${mediaKeys.vodPoster(video)}`);
    expect(await poster.text()).toBe('poster');

    const again = await runCli(['media', 'migrate', '--to', 's3', '--json'], { cwd, env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      target: `s3:${server.bucket}/${prefix}`,
      objects: 2,
      bytes: 14,
      copied: 0,
      skipped: 2,
      uploadsLeft: 0,
    });
    rmSync(cwd, { recursive: true, force: true });
  });
});
