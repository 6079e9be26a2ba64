/** Runs the load process on the client core against one server and samples the server's CPU meanwhile. */

import { type LoadSample, parseLoadEvent } from './load-sample.ts';
import { cpuSeconds, spawnPinned, watchOutput } from './processes.ts';

export interface LoadOptions {
  url: string;
  cpu: number;
  nodePath: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** The server process, whose CPU use over the measured run is reported. */
  serverPid: number;
}

export interface Measurement extends LoadSample {
  /** Server CPU over the measured run, as a share of one core (1 = its core was saturated). */
  serverCpu: number;
}

export async function runLoad(options: LoadOptions): Promise<Measurement> {
  const load = spawnPinned(options.cpu, options.nodePath, [
    '--import',
    'tsx',
    'bench/gateway/load-worker.ts',
    '--url',
    options.url,
    '--connections',
    String(options.connections),
    '--duration',
    String(options.durationSeconds),
    '--warmup',
    String(options.warmupSeconds),
  ]);
  let serverCpuAtStart: number | undefined;
  let serverCpu: number | undefined;
  let measuredAt = 0;
  let sample: LoadSample | undefined;
  const stderrTail = watchOutput(load.child, (line) => {
    const event = parseLoadEvent(line);
    if (event?.event === 'measuring') {
      serverCpuAtStart = cpuSeconds(options.serverPid);
      measuredAt = performance.now();
    } else if (event?.event === 'result') {
      // Read at once: the server goes idle from here on.
      if (serverCpuAtStart !== undefined) {
        const wallSeconds = (performance.now() - measuredAt) / 1000;
        serverCpu = (cpuSeconds(options.serverPid) - serverCpuAtStart) / wallSeconds;
      }
      const { event: _event, ...rest } = event;
      sample = rest;
    }
  });
  const code = await load.closed;
  if (code !== 0 || !sample || serverCpu === undefined) {
    throw new Error(`load process failed (exit ${code}) against ${options.url}\n${stderrTail()}`);
  }
  return { ...sample, serverCpu };
}
