/**
 * A small end-to-end run of the harness: real server processes (the bare ws loop, and the StreamHub
 * gateway prepared through its CLI and HTTP API), real client worker processes, a few seconds of
 * messages. It checks that every message reaches every client, that figures come out sane, and that
 * no process is left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@streamhub/infra/shared/free-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnedPids } from './children.ts';
import { type MeasureSettings, measureServer } from './measure.ts';
import { benchServers, STREAMHUB_NODE } from './servers.ts';
import { prepareGatewayData } from './setup.ts';

const hasBun = (() => {
  try {
    execFileSync('bun', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const settings = (client: 'bun' | 'node'): MeasureSettings => ({
  serverCpu: 0,
  clientCpu: 1,
  nice: 0,
  workers: 2,
  clientCommand: client === 'bun' ? 'bun' : process.execPath,
  clientArgs:
    client === 'bun'
      ? ['bench/realtime/client-worker.ts']
      : ['--import', 'tsx', 'bench/realtime/client-worker.ts'],
  warmupSeconds: 0.5,
  durationSeconds: 2,
  // Generous: the test machine may be busy, and a room must not be declared drained too early.
  drainIdleSeconds: 2,
  maxDrainSeconds: 10,
  quietWaitSeconds: 0,
  maxOtherCpu: 100,
  retries: 0,
  warmupConnections: 4,
  perSenderRate: 1,
});

const specs = benchServers({ node: process.execPath, bun: 'bun' });
const spec = (id: string) => {
  const found = specs.find((s) => s.id === id);
  if (!found) throw new Error(`no server ${id}`);
  return found;
};

/** Children this test process started that still run (other runs of the bench on the machine don't count). */
const leftovers = () =>
  spawnedPids().filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });

describe('realtime benchmark harness', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'streamhub-realtime-bench-test-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('measures the bare ws loop: every message reaches every client', async () => {
    const lines: string[] = [];
    const [small, larger] = await measureServer(
      spec('bare-ws'),
      [
        { connections: 20, rates: [4] },
        { connections: 30, rates: [4] },
      ],
      {
        settings: settings('node'),
        scratch,
        template: undefined,
        senders: Array.from({ length: 4 }, (_, i) => ({
          userId: crypto.randomUUID(),
          username: `sender_${i}`,
          accessToken: '',
        })),
        log: (line) => lines.push(line),
      },
    );
    expect(small?.connections).toBe(20);
    expect(larger?.connections).toBe(30);
    for (const group of [small, larger]) {
      const [figures] = group?.runs ?? [];
      // 4 msg/s for 2 s (a busy machine may push the last one past the window).
      expect(figures?.sentInWindow).toBeGreaterThanOrEqual(6);
      expect(figures?.deliveredShare).toBe(1);
      expect(figures?.p50Ms).toBeGreaterThan(0);
      expect(figures?.p99Ms).toBeGreaterThanOrEqual(figures?.p50Ms ?? 0);
      // CPU is read in 10 ms clock ticks; ~200 deliveries of the bare loop can stay under one.
      expect(figures?.serverCpu).toBeGreaterThanOrEqual(0);
      expect(group?.memory.afterKiB).toBeGreaterThan(0);
    }
    expect(lines.join('\n')).toMatch(/30 in the room/);
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it('fails with the reason when a server dies, and leaves nothing behind', async () => {
    const broken = {
      ...spec('bare-ws'),
      id: 'broken',
      args: ['-e', 'console.error("no port for you"); process.exit(3)'],
    };
    await expect(
      measureServer(broken, [{ connections: 10, rates: [1] }], {
        settings: settings('node'),
        scratch,
        template: undefined,
        senders: [{ userId: crypto.randomUUID(), username: 'sender_0', accessToken: '' }],
        log: () => {},
      }),
    ).rejects.toThrow(/code 3[\s\S]*no port for you/);
    expect(leftovers()).toEqual([]);
  });

  it('measures the StreamHub gateway set up through its CLI and API: posts are stored, acked and delivered', async () => {
    const prepared = await prepareGatewayData({
      dir: scratch,
      senders: 3,
      nodePath: process.execPath,
      port: await freePort(),
      log: () => {},
    });
    expect(prepared.senders.map((s) => s.username)).toEqual(['sender_0000', 'sender_0001', 'sender_0002']);
    const [group] = await measureServer(spec(STREAMHUB_NODE), [{ connections: 12, rates: [3] }], {
      settings: settings(hasBun ? 'bun' : 'node'),
      scratch,
      template: prepared.template,
      senders: prepared.senders,
      log: () => {},
    });
    const [figures] = group?.runs ?? [];
    expect(group?.runtime).toBe('node');
    expect(figures?.refusals).toEqual({});
    expect(figures?.acks).toBeGreaterThanOrEqual(6);
    expect(figures?.deliveredShare).toBe(1);
    expect(figures?.closed).toEqual({});
    expect(leftovers()).toEqual([]);
  }, 240_000);
});
