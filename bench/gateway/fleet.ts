/**
 * Starts every server under test once, each in its own process pinned to the server core (idle while
 * another is loaded), with its own copy of one prepared embedded database where it needs one.
 */
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkResponse } from './check.ts';
import { removeScratchOnExit, spawnPinned, watchOutput } from './processes.ts';
import { BENCH_HOST, BENCH_PATH } from './protocol.ts';
import { type RunningServerProcess, startServerProcess } from './server-process.ts';
import type { ServerSpec } from './servers.ts';

export interface StartedServer {
  spec: ServerSpec;
  server: RunningServerProcess;
  url: string;
  logFile: string;
}

export interface ServerFleet {
  servers: StartedServer[];
  /** Stops every server, counts log lines (null for servers that do not log), removes the files; once. */
  close(): Promise<Record<string, number | null>>;
}

export async function startFleet(
  specs: readonly ServerSpec[],
  options: { cpu: number; nodePath: string },
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

  try {
    const template = join(dir, 'data-template');
    if (specs.some((s) => s.embeddedData)) {
      progress('preparing the embedded database (create + migrate, once)');
      await prepareData(template, options);
    }
    for (const spec of specs) {
      const dataDir = join(dir, `${spec.id}-data`);
      if (spec.embeddedData) await cp(template, dataDir, { recursive: true });
      else await mkdir(dataDir);
      const logFile = join(dir, `${spec.id}.log`);
      const server = await startServerProcess(spec, { cpu: options.cpu, logFile, dataDir });
      const url = `http://${BENCH_HOST}:${server.ready.port}${BENCH_PATH}`;
      servers.push({ spec, server, url, logFile });
      await checkResponse(spec, url);
      progress(`started ${spec.id} (pid ${server.pid}, ${server.ready.runtime}, port ${server.ready.port})`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { servers, close };
}

/** Throws with the server's exit and stderr if it has ended: a dead server must not yield a figure. */
export function assertRunning({ spec, server }: StartedServer): void {
  const exit = server.exit();
  if (exit !== null) throw new Error(`${spec.id} (pid ${server.pid}) ${exit}`);
}

/** Creates and migrates the embedded database once, by the gateway's own path, for every server to copy. */
async function prepareData(dataDir: string, options: { cpu: number; nodePath: string }): Promise<void> {
  await mkdir(dataDir);
  const prepare = spawnPinned(options.cpu, options.nodePath, [
    '--import',
    'tsx',
    'bench/gateway/servers/prepare-data.ts',
    '--data-dir',
    dataDir,
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
