import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import { BENCH_AUTH_FILE, type BenchAuth } from './protocol.ts';
import { openPeerAuth } from './servers/peer-auth.ts';
import { createBenchDeps } from './servers/streamhub-deps.ts';

const dataDir = process.argv[2] ?? '';
const databaseUrl = 'postgres://postgres@127.0.0.1:5432/streamhub_bench_gateway';
const auth = JSON.parse(readFileSync(join(dataDir, BENCH_AUTH_FILE), 'utf8')) as BenchAuth;
const bench = await createBenchDeps({
  logFile: '/dev/null',
  dataDir,
  databaseUrl,
  remoteAddress: () => '127.0.0.1',
});
const { app } = createApp(bench.deps, {});
const peer = openPeerAuth(dataDir, databaseUrl);
const headers = { authorization: `Bearer ${auth.token}`, origin: 'https://bench.example' };
async function measure(name: string, one: () => Promise<unknown>, n = 3000) {
  for (let i = 0; i < 300; i++) await one();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const workers = Array.from({ length: 20 }, async () => {
    for (let i = 0; i < n / 20; i++) await one();
  });
  await Promise.all(workers);
  const used = process.cpuUsage(cpu);
  console.log(
    name,
    ((used.user + used.system) / n).toFixed(1),
    'µs CPU/req',
    (((performance.now() - t) * 1000) / n).toFixed(1),
    'µs wall/req',
  );
}
if (process.argv[3] === 'prof') {
  await measure(
    'gateway auth',
    async () => {
      const r = await app.request('/api/v1/auth/session', { headers });
      await r.text();
    },
    6000,
  );
  await bench.close();
  process.exit(0);
}
for (let round = 0; round < 2; round++) {
  await measure('gateway auth', async () => {
    const r = await app.request('/api/v1/auth/session', { headers });
    if (r.status !== 200) throw new Error(String(r.status));
    await r.text();
  });
  await measure('peer auth', async () => {
    if (!(await peer.session(headers.authorization))) throw new Error('no');
  });
  await measure('gateway session service', () => bench.deps.services.sessions.authenticate(auth.token));
  await measure('gateway plain', async () => {
    const r = await app.request('/api/v1/system/info', { headers });
    await r.text();
  });
}
await peer.close();
await bench.close();
process.exit(0);
