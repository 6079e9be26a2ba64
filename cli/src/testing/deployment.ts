/**
 * A scale-out deployment for end-to-end tests: gateways (`serve api`), workers (`serve worker`) and media
 * nodes (`serve media`) as real processes sharing one PostgreSQL database, one Redis namespace and one
 * media directory, as replicas do.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningJwk } from '@streamhub/api/domains/auth/signing-keys';
import { createScratchPostgresDatabase, type ScratchPostgresDatabase } from '@streamhub/db/testing';
import { deleteKeysWithPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import {
  type CliChild,
  type CliResult,
  type Runtime,
  runCli,
  signalAndWait,
  startCli,
  startScript,
  waitForLine,
  waitForOk,
} from './cli-process.ts';

export interface ServedProcess {
  child: CliChild;
  /** SIGTERM (a graceful stop), resolved on exit. */
  stop(): Promise<void>;
  /** SIGKILL, resolved on exit. */
  kill(): Promise<void>;
}

export interface GatewayProcess extends ServedProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
}

export interface MediaProcess extends ServedProcess {
  nodeId: string;
  /** `rtmp://127.0.0.1:<port>/live` */
  rtmpBase: string;
}

export interface DeploymentOptions {
  /** Names the Redis prefix and temporary directories. */
  label: string;
  /**
   * A migrated database the test owns. Without it the deployment makes a fresh one, migrates it with
   * `streamhub db migrate` and drops it on `close()`.
   */
  databaseUrl?: string;
  /** Variables every process of the deployment gets on top of the defaults (a lower RATE_LIMIT_MAX). */
  env?: Record<string, string>;
}

export interface ServeOptions {
  runtime?: Runtime;
  /**
   * Variables of this process alone, on top of the deployment's. A REDIS_PREFIX of its own should extend
   * the deployment's (`${env.REDIS_PREFIX}<name>:`), so that `close()` removes its keys too.
   */
  env?: Record<string, string>;
}

export interface Deployment {
  /** What every process of the deployment is started with. */
  env: Record<string, string>;
  /** The media and data directory every process shares (STREAMHUB_DATA_DIR). */
  dataDir: string;
  /** A gateway replica (`serve api`, on Node unless told), resolved once it answers `/healthz`. */
  gateway(options?: ServeOptions): Promise<GatewayProcess>;
  /**
   * A job worker (`serve worker --concurrency 1`, on Node unless told) at info level (its log lines are
   * its consumers' trace), once it runs.
   */
  worker(options?: ServeOptions): Promise<ServedProcess>;
  /**
   * A media node (`serve media`, on Node unless told) under a fixed MEDIA_NODE_ID, with RTMP on a free
   * port, at info level, once its ingest listens.
   */
  media(nodeId: string, options?: ServeOptions): Promise<MediaProcess>;
  /** A `streamhub` command run to completion with the deployment's environment. */
  run(args: string[]): Promise<CliResult>;
  /** A TypeScript file run on Node with the deployment's environment: a test's own process. */
  script(path: string, args: string[]): ServedProcess;
  /** Kills every process still running, then drops what the deployment made. */
  close(): Promise<void>;
}

export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), `streamhub-${options.label}-`));
    dirs.push(dir);
    return dir;
  };
  const dataDir = tempDir();
  const redisPrefix = `test-${options.label}-${randomUUID()}:`;
  const children: CliChild[] = [];
  let scratch: ScratchPostgresDatabase | undefined;
  if (!options.databaseUrl) scratch = await createScratchPostgresDatabase();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? scratch?.url ?? '',
    REDIS_URL: TEST_REDIS_URL,
    // One namespace for the whole deployment, as one deployment's replicas share it.
    REDIS_PREFIX: redisPrefix,
    STREAMHUB_DATA_DIR: dataDir,
    RATE_LIMIT_MAX: '10000',
    // Tokens name their issuer; replicas behind one address share it.
    PUBLIC_URL: 'http://streamhub.test',
    SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    ...options.env,
  };
  if (scratch) {
    const migrated = await runCli(['db', 'migrate'], { cwd: tempDir(), env });
    if (migrated.code !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
  }

  const served = (child: CliChild): ServedProcess => {
    children.push(child);
    return {
      child,
      stop: () => signalAndWait(child, 'SIGTERM'),
      kill: () => signalAndWait(child, 'SIGKILL'),
    };
  };

  return {
    env,
    dataDir,
    async gateway({ runtime = 'node', env: own = {} } = {}) {
      const port = await freePort();
      const child = startCli(['serve', 'api'], {
        cwd: tempDir(),
        env: { ...env, ...own, PORT: String(port) },
        runtime,
      });
      const gateway = { ...served(child), base: `http://127.0.0.1:${port}` };
      await waitForOk(`${gateway.base}/healthz`, 60_000, child).catch((error: unknown) => {
        throw new Error(`gateway did not start: ${child.output().stderr}`, { cause: error });
      });
      return gateway;
    },
    async worker({ runtime = 'node', env: own = {} } = {}) {
      const child = startCli(['serve', 'worker', '--concurrency', '1'], {
        cwd: tempDir(),
        env: { ...env, ...own, LOG_LEVEL: 'info' },
        runtime,
      });
      const worker = served(child);
      await waitForLine(child, (line) => line.msg === 'worker running', 60_000);
      return worker;
    },
    async media(nodeId, { runtime = 'node', env: own = {} } = {}) {
      const port = await freePort();
      const child = startCli(['serve', 'media'], {
        cwd: tempDir(),
        env: { ...env, ...own, MEDIA_NODE_ID: nodeId, RTMP_PORT: String(port), LOG_LEVEL: 'info' },
        runtime,
      });
      const node = { ...served(child), nodeId, rtmpBase: `rtmp://127.0.0.1:${port}/live` };
      await waitForLine(child, (line) => line.msg === 'media node running', 60_000);
      return node;
    },
    run(args) {
      return runCli(args, { cwd: tempDir(), env });
    },
    script(path, args) {
      return served(startScript(path, args, { cwd: tempDir(), env }));
    },
    async close() {
      await Promise.all(children.splice(0).map((child) => signalAndWait(child, 'SIGKILL')));
      await scratch?.drop();
      await deleteKeysWithPrefix(TEST_REDIS_URL, redisPrefix);
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
