/**
 * The latency probe of bench/notifications, in a process of its own so its timing does not share the
 * gateway's event loop: GETs `url` at a fixed rate over keep-alive connections and records each answer's
 * latency in the window it was sent in. Driven over IPC by run.ts: `{ op: 'window', name }` starts a
 * window, `{ op: 'report' }` answers `{ windows: [{ name, count, errors, p50, p99, max }] }` (ms) and stops.
 *
 *   argv: <url> <requests per second>
 */
import { Agent, request } from 'node:http';

const [url = '', ratePerSecond = '200'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const windows: { name: string; latencies: number[]; errors: number }[] = [];
let current: (typeof windows)[number] | undefined;

function probe(): void {
  const window = current;
  if (!window) return;
  const started = performance.now();
  const req = request(url, { agent }, (response) => {
    response.resume();
    response.on('end', () => {
      if (response.statusCode === 200) window.latencies.push(performance.now() - started);
      else window.errors += 1;
    });
  });
  req.on('error', () => {
    window.errors += 1;
  });
  req.end();
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN);

const timer = setInterval(probe, 1000 / Number(ratePerSecond));
process.on('message', (message: { op: 'window'; name: string } | { op: 'report' }) => {
  if (message.op === 'window') {
    current = { name: message.name, latencies: [], errors: 0 };
    windows.push(current);
    return;
  }
  clearInterval(timer);
  current = undefined;
  // Answers still in flight land in their window; give them a moment.
  setTimeout(() => {
    process.send?.({
      windows: windows.map(({ name, latencies, errors }) => {
        const sorted = [...latencies].sort((a, b) => a - b);
        return {
          name,
          count: sorted.length,
          errors,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          max: sorted.at(-1) ?? Number.NaN,
        };
      }),
    });
    agent.destroy();
    process.exit(0);
  }, 2_000);
});
process.send?.({ ready: true });
