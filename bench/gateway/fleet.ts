/**
 * Starts every server under test once, each in its own process pinned to the server core (idle while
 * another is loaded), after one prepare step (the bench database, signing keys, a signed-in user) whose
 * data directory each server gets a copy of.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkResponse } from './check.ts';
import { removeScratchOnExit, spawnPinned, watchOutput } from './processes.ts';
import {
  BENCH_AUTH_FILE,
  BENCH_HOST,
  BENCH_ROUTES,
  type BenchAuth,
  type BenchRoute,
  ROUTE_NAMES,
} from './protocol.ts';
import { type RunningServerProcess, startServerProcess } from './server-process.ts';
import type { ServerSpec } from './servers.ts';

export interface StartedServer {
  spec: ServerSpec;
  server: RunningServerProcess;
  urls: Record<BenchRoute, string>;
  logFile: string;
}

export interface ServerFleet {
  servers: StartedServer[];
  /** The token the load generator sends on the `auth` route, and whose user the servers answer with. */
  auth: BenchAuth;
  /** Stops every server, counts log lines (null for servers that do not log), removes the files; once. */
  close(): Promise<Record<string, number | null>>;
}

export async function startFleet(
  specs: readonly ServerSpec[],
  options: { cpu: number; nodePath: string; databaseUrl: string },
  progress: (message: string) => void,
): Promise<ServerFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-bench-'));
  removeScratchOnExit(dir);
  const servers: StartedServer[] = [];
  let closing: Promise<Record<string, number | null>> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        await Promise.all(servers.map((s) => s.server.stop()));
        const logLines: Record<string, number | null> = {};
        for (const s of servers) logLines[s.spec.id] = s.spec.logs ? await countLines(s.logFile) : null;
        return logLines;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    return closing;
  };

  let auth: BenchAuth;
  try {
    const template = join(dir, 'data-template');
    progress(`preparing ${options.databaseUrl} (recreate + migrate), the signing keys and a signed-in user`);
    await prepareData(template, options);
    auth = JSON.parse(readFileSync(join(template, BENCH_AUTH_FILE), 'utf8')) as BenchAuth;
    for (const spec of specs) {
      const dataDir = join(dir, `${spec.id}-data`);
      await cp(template, dataDir, { recursive: true });
      const logFile = join(dir, `${spec.id}.log`);
      const server = await startServerProcess(spec, {
        cpu: options.cpu,
        logFile,
        dataDir,
        databaseUrl: options.databaseUrl,
        // Start-up (tsx compiling the gateway) takes over a minute when the shared machine is busy.
        timeoutMs: 180_000,
      });
      const base = `http://${BENCH_HOST}:${server.ready.port}`;
      const urls = { plain: `${base}${BENCH_ROUTES.plain}`, auth: `${base}${BENCH_ROUTES.auth}` };
      servers.push({ spec, server, urls, logFile });
      for (const route of ROUTE_NAMES) await checkResponse(spec, route, urls[route], auth);
      progress(`started ${spec.id} (pid ${server.pid}, ${server.ready.runtime}, port ${server.ready.port})`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { servers, auth, close };
}

/** Throws with the server's exit and stderr if it has ended: a dead server must not yield a figure. */
export function assertRunning({ spec, server }: StartedServer): void {
  const exit = server.exit();
  if (exit !== null) throw new Error(`${spec.id} (pid ${server.pid}) ${exit}`);
}

/** Runs `servers/prepare-data.ts` once: database, keys and token, by the gateway's own path. */
async function prepareData(
  dataDir: string,
  options: { cpu: number; nodePath: string; databaseUrl: string },
): Promise<void> {
  await mkdir(dataDir);
  const prepare = spawnPinned(options.cpu, options.nodePath, [
    '--import',
    'tsx',
    'bench/gateway/servers/prepare-data.ts',
    '--data-dir',
    dataDir,
    '--database-url',
    options.databaseUrl,
  ]);
  const stderrTail = watchOutput(prepare.child, () => {});
  const code = await prepare.closed;
  if (code !== 0) throw new Error(`preparing the embedded database failed (exit ${code})\n${stderrTail()}`);
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
    }
  } catch {
    return 0;
  }
  return lines;
}
