/** Runs the load process on the client core against one server and samples the server's CPU meanwhile. */
import { type LoadSample, parseLoadEvent } from './load-sample.ts';
import {
  busyCores,
  type CpuTimes,
  databaseCpuBetween,
  databaseCpuSeconds,
  machineCpuTimes,
} from './machine-load.ts';
import { cpuSeconds, spawnPinned, watchOutput } from './processes.ts';

export interface LoadOptions {
  url: string;
  cpu: number;
  nodePath: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Sent as `Authorization` on the authenticated route. */
  authorization?: string;
  /** The server process, whose CPU use over the measured run is reported. */
  serverPid: number;
  /** The other (idle) server processes on the server core, whose CPU use is reported too. */
  idlePids: readonly number[];
}

export interface Measurement extends LoadSample {
  /** Server CPU over the measured run, as a share of one core (1 = its core was saturated). */
  serverCpu: number;
  /** What the idle servers used meanwhile (timers, GC), as a share of one core. */
  idleServersCpu: number;
  /** Cores PostgreSQL used during the measured run (the `auth` route's reads, and others' queries). */
  databaseCpu: number;
  /** Cores busy with anything but the servers, PostgreSQL and the load generator during the measured run. */
  otherCpu: number;
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
    ...(options.authorization ? ['--authorization', options.authorization] : []),
  ]);
  const idleCpu = () => options.idlePids.reduce((total, pid) => total + (cpuSeconds(pid) ?? 0), 0);
  let idleCpuAtStart = 0;
  let idleServersCpu = 0;
  let serverCpuAtStart: number | undefined;
  let machineAtStart: CpuTimes | undefined;
  let serverCpu: number | undefined;
  let machineCpu = 0;
  let databaseAtStart = new Map<number, number>();
  let databaseCpu = 0;
  let measuredAt = 0;
  let sample: LoadSample | undefined;
  const stderrTail = watchOutput(load.child, (line) => {
    const event = parseLoadEvent(line);
    if (event?.event === 'measuring') {
      serverCpuAtStart = cpuSeconds(options.serverPid);
      idleCpuAtStart = idleCpu();
      machineAtStart = machineCpuTimes();
      databaseAtStart = databaseCpuSeconds();
      measuredAt = performance.now();
    } else if (event?.event === 'result') {
      // Read at once: the server goes idle from here on.
      if (serverCpuAtStart !== undefined && machineAtStart !== undefined) {
        const wallSeconds = (performance.now() - measuredAt) / 1000;
        const serverCpuAtEnd = cpuSeconds(options.serverPid);
        if (serverCpuAtEnd !== undefined) serverCpu = (serverCpuAtEnd - serverCpuAtStart) / wallSeconds;
        idleServersCpu = (idleCpu() - idleCpuAtStart) / wallSeconds;
        machineCpu = busyCores(machineAtStart, machineCpuTimes(), wallSeconds);
        databaseCpu = databaseCpuBetween(databaseAtStart, databaseCpuSeconds()) / wallSeconds;
      }
      const { event: _event, ...rest } = event;
      sample = rest;
    }
  });
  const code = await load.closed;
  if (code !== 0 || !sample) {
    throw new Error(`load process failed (exit ${code}) against ${options.url}\n${stderrTail()}`);
  }
  if (serverCpu === undefined)
    throw new Error(`the server (pid ${options.serverPid}) was gone at the end of the run`);
  // The orchestrator itself is idle meanwhile, so what is left is other people's work.
  const otherCpu = Math.max(0, machineCpu - serverCpu - idleServersCpu - databaseCpu - sample.clientCpu);
  return { ...sample, serverCpu, idleServersCpu, databaseCpu, otherCpu };
}
