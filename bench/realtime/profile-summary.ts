/**
 * Where a server's time went: self time per function and per package from a V8 `.cpuprofile` (as
 * written by `run.ts --cpu-prof <dir>`), optionally only within a time slice of the profile.
 *
 *   node --import tsx bench/realtime/profile-summary.ts <file.cpuprofile> [--top 30] [--from 20 --to 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N] [--from s --to s]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

/** Which package (or runtime part) a frame belongs to, from its script URL. */
function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const repo = url.indexOf('/work/main/');
  return repo >= 0 ? url.slice(repo + '/work/main/'.length) : url;
}

const from = values.from === undefined ? 0 : Number(values.from) * 1e6;
const to = values.to === undefined ? Number.POSITIVE_INFINITY : Number(values.to) * 1e6;
const selfByFunction = new Map<string, number>();
const selfByPackage = new Map<string, number>();
let total = 0;
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (at < from || at > to) continue;
  const node = byId.get(profile.samples[i] ?? -1);
  if (!node) continue;
  total += delta;
  const { functionName, lineNumber } = node.callFrame;
  const pkg = packageOf(node);
  const key = `${functionName || '(anonymous)'}  ${pkg}:${lineNumber + 1}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + delta);
  selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + delta);
}

const top = Number(values.top);
const share = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
const busy = total - (selfByPackage.get('(idle)') ?? 0);
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of all samples)`,
);
console.log('\nself time by package or runtime part');
for (const [pkg, us] of [...selfByPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(us)}  ${pkg}`);
}
console.log('\nself time by function');
for (const [key, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(us)}  ${key}`);
}
