/**
 * A paired comparison of two running servers: one load process on the client core alternates between
 * them in short A B B A slices, so both are measured in the same state of the shared machine.
 */
import {
  busyCores,
  type CpuTimes,
  databaseCpuBetween,
  databaseCpuSeconds,
  machineCpuTimes,
} from './machine-load.ts';
import { cpuSeconds, spawnPinned, watchOutput } from './processes.ts';
import { parseSliceEvent, type Slice } from './slice-sample.ts';

export interface PairedOptions {
  a: { url: string; pid: number };
  b: { url: string; pid: number };
  idlePids: readonly number[];
  cpu: number;
  nodePath: string;
  connections: number;
  blocks: number;
  sliceSeconds: number;
  warmupSeconds: number;
  /** Sent as `Authorization` on the authenticated route. */
  authorization?: string;
}

/** A slice with the CPU its server used meanwhile (the other one idles). */
export interface MeteredSlice extends Slice {
  /** Server CPU per request over the slice, in µs: robust where throughput drifts with others' load. */
  cpuMicrosPerRequest: number;
}

export interface PairedResult {
  slices: MeteredSlice[];
  /** Per block: B's requests/s over A's, each the mean of its two slices. */
  blockRatios: number[];
  /** Per block: B's server CPU µs per request minus A's (each the mean of its two slices). */
  blockCpuDeltas: number[];
  /** CPU of A and B together over the measured blocks, as a share of one core (one is loaded at a time). */
  serverCpu: number;
  clientCpu: number;
  /** Cores PostgreSQL used meanwhile. */
  databaseCpu: number;
  /** Cores busy with anything but the two servers, the idle servers, PostgreSQL and the load generator. */
  otherCpu: number;
}

export async function runPairedLoad(options: PairedOptions): Promise<PairedResult> {
  const load = spawnPinned(options.cpu, options.nodePath, [
    '--import',
    'tsx',
    'bench/gateway/slice-worker.ts',
    `--a=${options.a.url}`,
    `--b=${options.b.url}`,
    `--connections=${options.connections}`,
    `--blocks=${options.blocks}`,
    `--slice=${options.sliceSeconds}`,
    `--warmup=${options.warmupSeconds}`,
    ...(options.authorization ? [`--authorization=${options.authorization}`] : []),
  ]);
  const serversCpu = () =>
    [options.a.pid, options.b.pid, ...options.idlePids].reduce((t, pid) => t + (cpuSeconds(pid) ?? 0), 0);
  const idleCpu = () => options.idlePids.reduce((t, pid) => t + (cpuSeconds(pid) ?? 0), 0);
  let start:
    | { servers: number; idle: number; database: Map<number, number>; machine: CpuTimes; at: number }
    | undefined;
  let usage: { serverCpu: number; idleCpu: number; databaseCpu: number; machineCpu: number } | undefined;
  let clientCpu: number | undefined;
  const slices: MeteredSlice[] = [];
  // CPU of each server at the last slice boundary: a slice's delta is its target's work in that slice.
  let cpuAt = { a: 0, b: 0 };
  const cpuNow = () => ({ a: cpuSeconds(options.a.pid) ?? 0, b: cpuSeconds(options.b.pid) ?? 0 });
  const stderrTail = watchOutput(load.child, (line) => {
    const event = parseSliceEvent(line);
    if (event?.event === 'measuring') {
      start = {
        servers: serversCpu(),
        idle: idleCpu(),
        database: databaseCpuSeconds(),
        machine: machineCpuTimes(),
        at: performance.now(),
      };
      cpuAt = cpuNow();
    } else if (event?.event === 'slice') {
      const { event: _event, ...slice } = event;
      const now = cpuNow();
      const used = now[slice.target] - cpuAt[slice.target];
      cpuAt = now;
      slices.push({ ...slice, cpuMicrosPerRequest: slice.requests > 0 ? (used * 1e6) / slice.requests : 0 });
    } else if (event?.event === 'done' && start) {
      const wall = (performance.now() - start.at) / 1000;
      const idle = (idleCpu() - start.idle) / wall;
      usage = {
        serverCpu: (serversCpu() - start.servers) / wall - idle,
        idleCpu: idle,
        databaseCpu: databaseCpuBetween(start.database, databaseCpuSeconds()) / wall,
        machineCpu: busyCores(start.machine, machineCpuTimes(), wall),
      };
      clientCpu = event.clientCpu;
    }
  });
  const code = await load.closed;
  if (code !== 0 || !usage || clientCpu === undefined) {
    throw new Error(`paired load process failed (exit ${code})\n${stderrTail()}`);
  }
  return {
    slices,
    blockRatios: blockRatios(slices),
    blockCpuDeltas: blockCpuDeltas(slices),
    serverCpu: usage.serverCpu,
    clientCpu,
    databaseCpu: usage.databaseCpu,
    otherCpu: Math.max(0, usage.machineCpu - usage.serverCpu - usage.idleCpu - usage.databaseCpu - clientCpu),
  };
}

function blockCpuDeltas(slices: readonly MeteredSlice[]): number[] {
  const blocks = [...new Set(slices.map((s) => s.block))];
  return blocks.flatMap((block) => {
    const mean = (target: 'a' | 'b') => {
      const costs = slices
        .filter((s) => s.block === block && s.target === target)
        .map((s) => s.cpuMicrosPerRequest);
      return costs.length > 0 ? costs.reduce((x, y) => x + y, 0) / costs.length : Number.NaN;
    };
    const delta = mean('b') - mean('a');
    return Number.isFinite(delta) ? [delta] : [];
  });
}

function blockRatios(slices: readonly Slice[]): number[] {
  const blocks = [...new Set(slices.map((s) => s.block))];
  return blocks.flatMap((block) => {
    const mean = (target: 'a' | 'b') => {
      const rates = slices
        .filter((s) => s.block === block && s.target === target)
        .map((s) => s.requestsPerSecond);
      return rates.length > 0 ? rates.reduce((x, y) => x + y, 0) / rates.length : Number.NaN;
    };
    const ratio = mean('b') / mean('a');
    return Number.isFinite(ratio) ? [ratio] : [];
  });
}
