/** Runs every readiness check at once, each bounded in time, so one hung dependency cannot hang `/readyz`. */
import type { Readiness } from '@streamhub/contracts/system';
import type { ReadinessCheck } from '../../deps.ts';

export async function checkReadiness(checks: ReadinessCheck[], timeoutMs = 2000): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name, ok: true, latencyMs: elapsed(started) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { name, ok: false, latencyMs: elapsed(started), error: message };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { status: results.every((r) => r.ok) ? 'ready' : 'not_ready', checks: results };
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;
