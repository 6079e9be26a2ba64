/**
 * The measuring loop: per round, every server in turn (the order rotates each round) gets a fresh
 * process on the server core, a pre-flight check, a warm-up and a measured run from the client core.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkResponse } from './check.ts';
import { type Measurement, runLoad } from './load.ts';
import { BENCH_HOST, BENCH_PATH } from './protocol.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerSpec } from './servers.ts';

export interface MeasureSettings {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  nodePath: string;
  serverCpu: number;
  clientCpu: number;
}

export interface RoundResult extends Measurement {
  serverId: string;
  round: number;
  runtime: 'node' | 'bun';
  /** Lines in the server's log file after it stopped (warm-up and check included); null when it does not log. */
  logLines: number | null;
}

export async function measureAll(
  specs: readonly ServerSpec[],
  settings: MeasureSettings,
  progress: (message: string) => void,
): Promise<RoundResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-bench-'));
  const results: RoundResult[] = [];
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      for (const spec of rotate(specs, round - 1)) {
        const logFile = join(dir, `${spec.id}-${round}.log`);
        const result = await measureOne(spec, round, logFile, settings);
        results.push(result);
        await rm(logFile, { force: true });
        progress(
          `round ${round}/${settings.rounds} ${spec.id}: ${Math.round(result.requestsPerSecond)} req/s, ` +
            `p99 ${result.latencyP99Ms} ms, server CPU ${pct(result.serverCpu)}, client CPU ${pct(result.clientCpu)}` +
            (result.non2xx + result.errors > 0 ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''),
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

async function measureOne(
  spec: ServerSpec,
  round: number,
  logFile: string,
  settings: MeasureSettings,
): Promise<RoundResult> {
  const server = await startServerProcess(spec, { cpu: settings.serverCpu, logFile });
  let measurement: Measurement;
  try {
    const url = `http://${BENCH_HOST}:${server.ready.port}${BENCH_PATH}`;
    await checkResponse(spec, url);
    measurement = await runLoad({
      url,
      cpu: settings.clientCpu,
      nodePath: settings.nodePath,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      serverPid: server.pid,
    });
  } finally {
    await server.stop();
  }
  const logLines = spec.logs ? await countLines(logFile) : null;
  return { ...measurement, serverId: spec.id, round, runtime: server.ready.runtime, logLines };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
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

export const pct = (share: number) => `${Math.round(share * 100)}%`;
