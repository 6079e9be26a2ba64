/**
 * CPU per beacon on the gateway's beacon path, in process (no sockets): `app.fetch` of POST
 * /api/v1/analytics/beacons with a valid token, the store being PostgreSQL (TEST_DATABASE_URL). Prints µs per beacon.
 *
 *   node --import tsx bench/analytics/beacon-path.ts [--count 20000]
 */
import { parseArgs } from 'node:util';
import { createApp } from '../../api/src/app.ts';
import { createTestBackends } from '../../api/src/testing/test-deps.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' } } });
const count = Number(values.count);
// PostgreSQL, not PGlite: PGlite would run its inserts on this thread and hide the gateway's own cost.
const backends = await createTestBackends('postgres');
const deps = backends.deps({ RATE_LIMIT_MAX: '1000000000', ANALYTICS_BEACONS_PER_VIEW: '1000000000' });
const { app } = createApp(deps);
const videoless = await deps.services.analytics
  .startView(
    undefined,
    { target: { type: 'live', playbackId: 'none' } },
    { address: '127.0.0.1', userAgent: 'bench' },
  )
  .catch(() => undefined);
if (videoless) throw new Error('unexpected');
// A token signed as the gateway signs them, for a video view (no video needed to verify it).
const { DailySalts, ViewTokens, utcDay } = await import('../../api/src/domains/analytics/view-tokens.ts');
const { SaltsRepository } = await import('../../api/src/domains/analytics/salts.repository.ts');
const now = new Date();
const token = await new ViewTokens(new DailySalts(new SaltsRepository(backends.database.db))).sign({
  viewId: crypto.randomUUID(),
  startedAt: Math.floor(now.getTime() / 1000),
  day: utcDay(now),
  targetType: 'video',
  targetId: crypto.randomUUID(),
  channelId: crypto.randomUUID(),
  viewerId: 'a:bench',
  referrer: '',
  device: 'desktop',
});
const body = JSON.stringify({ token, seq: 2, event: 'heartbeat', watchedMs: 10_000 });
const send = () =>
  app.fetch(
    new Request('http://127.0.0.1/api/v1/analytics/beacons', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  );
for (let i = 0; i < 2000; i += 1) await send();
const cpu = process.cpuUsage();
const began = performance.now();
for (let i = 0; i < count; i += 1) {
  const response = await send();
  if (response.status !== 202) throw new Error(`status ${response.status}: ${await response.text()}`);
}
const wall = performance.now() - began;
const used = process.cpuUsage(cpu);
process.stderr.write(
  `${count} beacons: ${((wall * 1000) / count).toFixed(1)} µs wall, ${((used.user + used.system) / count).toFixed(1)} µs CPU each (${Math.round(count / (wall / 1000))}/s)\n`,
);
await backends.close();
