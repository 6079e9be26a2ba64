/**
 * The measuring loop of `run.ts`: with every server started once (see `fleet.ts`), each round loads
 * every server on every route in turn, server order rotated per round: pre-flight check, wait for a
 * quiet machine, warm-up, measured run. Runs of one round are close in time, so slow drifts of the
 * shared machine hit them alike.
 */
import { checkResponse, routeHeaders } from './check.ts';
import { assertRunning, type StartedServer, startFleet } from './fleet.ts';
import { type Measurement, runLoad } from './load.ts';
import { waitForQuiet } from './machine-load.ts';
import type { BenchAuth, BenchRoute } from './protocol.ts';
import type { ServerSpec } from './servers.ts';

export interface MeasureSettings {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  nodePath: string;
  serverCpu: number;
  clientCpu: number;
  /** Before each measured run, wait up to this long for the shared machine to go quiet. */
  quietWaitSeconds: number;
  /** A run during which other processes used more cores than this is repeated (see `retries`). */
  maxOtherCpu: number;
  retries: number;
  routes: readonly BenchRoute[];
  /** The PostgreSQL database the prepare step recreates and every server reads. */
  databaseUrl: string;
}

export interface RoundResult extends Measurement {
  serverId: string;
  route: BenchRoute;
  round: number;
  runtime: 'node' | 'bun';
  /** Other processes used more than `maxOtherCpu` cores even in the last attempt. */
  noisy: boolean;
  attempts: number;
}

export interface MeasureResult {
  rounds: RoundResult[];
  /** Lines in each server's log file at the end (warm-ups and checks included); null when it does not log. */
  logLines: Record<string, number | null>;
}

export async function measureAll(
  specs: readonly ServerSpec[],
  settings: MeasureSettings,
  progress: (message: string) => void,
): Promise<MeasureResult> {
  const fleet = await startFleet(
    specs,
    { cpu: settings.serverCpu, nodePath: settings.nodePath, databaseUrl: settings.databaseUrl },
    progress,
  );
  try {
    const rounds: RoundResult[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const route of settings.routes) {
        for (const entry of rotate(fleet.servers, round - 1)) {
          const idlePids = fleet.servers.filter((s) => s !== entry).map((s) => s.server.pid);
          const result = await measureWithRetries(
            entry,
            route,
            fleet.auth,
            round,
            idlePids,
            settings,
            progress,
          );
          rounds.push(result);
          progress(
            `round ${round}/${settings.rounds} ${route} ${entry.spec.id}: ${Math.round(result.requestsPerSecond)} req/s, ` +
              `p99 ${result.latencyP99Ms} ms, server CPU ${pct(result.serverCpu)}, client CPU ${pct(result.clientCpu)}, ` +
              `idle servers ${pct(result.idleServersCpu)}, database ${pct(result.databaseCpu)}, ` +
              `other ${result.otherCpu.toFixed(2)} cores` +
              (result.noisy ? ' (NOISY)' : '') +
              (result.non2xx + result.errors > 0
                ? `, ${result.non2xx} non-2xx, ${result.errors} errors`
                : ''),
          );
        }
      }
    }
    return { rounds, logLines: await fleet.close() };
  } finally {
    await fleet.close();
  }
}

async function measureWithRetries(
  entry: StartedServer,
  route: BenchRoute,
  auth: BenchAuth,
  round: number,
  idlePids: number[],
  settings: MeasureSettings,
  progress: (message: string) => void,
): Promise<RoundResult> {
  const { spec, server } = entry;
  const url = entry.urls[route];
  for (let attempt = 1; ; attempt++) {
    // Again before every run: a server that died or broke since the last one must not yield a figure.
    assertRunning(entry);
    await checkResponse(spec, route, url, auth);
    await waitForQuiet({
      maxBusyCores: 0.2,
      maxWaitMs: settings.quietWaitSeconds * 1000,
      onWait: (busy) => progress(`  machine busy (${busy.toFixed(2)} cores), waiting for it to go quiet`),
    });
    const measurement = await runLoad({
      url,
      cpu: settings.clientCpu,
      nodePath: settings.nodePath,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      authorization: routeHeaders(route, auth).authorization,
      serverPid: server.pid,
      idlePids,
    }).catch((error: unknown) => {
      assertRunning(entry);
      throw error;
    });
    assertRunning(entry);
    const noisy = measurement.otherCpu > settings.maxOtherCpu;
    if (!noisy || attempt > settings.retries) {
      return {
        ...measurement,
        serverId: spec.id,
        route,
        round,
        runtime: server.ready.runtime,
        noisy,
        attempts: attempt,
      };
    }
    progress(
      `  ${spec.id}: other processes used ${measurement.otherCpu.toFixed(2)} cores meanwhile, repeating`,
    );
  }
}

export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const pct = (share: number) => `${Math.round(share * 100)}%`;
