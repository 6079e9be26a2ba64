/**
 * The gateway of the upload measure, in a process of its own so that its CPU is read apart from the
 * client's and the store's: the real app (`createApp` on Node's server, as the tus route tests start it)
 * on the test backends of the given database driver, with S3 media storage on the given s3rver, and one
 * signed-in user. Prints `{ base, authorization }` as one JSON line; stops on SIGTERM.
 *
 *   node --import tsx bench/storage/upload-gateway.ts <pglite|postgres> <s3 settings JSON>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import { registerAndLogin } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends } from '@streamhub/api/testing/test-deps';
import type { Driver } from '@streamhub/db/client';
import type { S3Process } from './s3-process.ts';
import { startChildProcess } from './s3-process.ts';

export interface UploadGateway {
  base: string;
  authorization: string;
}

/** Starts this file as a child process on `store`'s bucket and waits for its address and user. */
/** `profileDir`: the gateway writes a V8 CPU profile there when it stops. */
export const startUploadGateway = (driver: Driver, store: S3Process, profileDir?: string) =>
  startChildProcess<UploadGateway>(
    new URL(import.meta.url).pathname,
    [driver, JSON.stringify(store.server)],
    profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  );

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const driver = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
  const s3 = JSON.parse(process.argv[3] ?? '{}') as S3Process['server'];
  const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-bench-upload-'));
  const backends = await createTestBackends(driver);
  // Processing is not measured: the job an accepted upload enqueues is dropped.
  await backends.jobs.start({
    'email.send': async () => {},
    'notifications.deliver': async () => {},
    'video.process': async () => {},
    'webhook.deliver': async () => {},
  });
  const deps = backends.deps(
    {
      STREAMHUB_DATA_DIR: dataDir,
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_PREFIX: 'upload-bench',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    { remoteAddress: nodeRemoteAddress },
  );
  const { app } = createApp(deps);
  const server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
  const user = await registerAndLogin(app, backends);
  const ready: UploadGateway = { base: `http://127.0.0.1:${server.port}`, authorization: user.authorization };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.once('SIGTERM', async () => {
    await server.close();
    await backends.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}
