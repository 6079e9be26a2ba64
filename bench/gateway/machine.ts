/** Where a run happened, printed and saved with the figures (they mean nothing without it). */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  bun: string | null;
}

export function machineInfo(bunPath: string): MachineInfo {
  let bun: string | null = null;
  try {
    bun = execFileSync(bunPath, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    bun = null;
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    bun,
  };
}

export const describeMachine = (m: MachineInfo) =>
  `${m.cpus} vCPU (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Bun ${m.bun ?? 'not found'}`;
