/** The pure parts of the realtime benchmark: message stamps, scenario parsing, the cost split and targets. */
import { describe, expect, it } from 'vitest';
import type { GroupFigures, RunFigures } from './measure.ts';
import { parseGroups } from './options.ts';
import { CHAT_FRAME_PREFIX, messageBody, sentAtOf } from './protocol.ts';
import { evaluateTargets, splitCosts } from './report.ts';

function run(overrides: Partial<RunFigures>): RunFigures {
  return {
    serverId: 'bare-ws',
    connections: 2000,
    rate: 10,
    offeredPerSecond: 20_000,
    deliveredPerSecond: 20_000,
    sentInWindow: 100,
    deliveredShare: 1,
    p50Ms: 10,
    p99Ms: 40,
    maxMs: 60,
    serverCpu: 0.5,
    clientCpu: 0.4,
    otherCpu: 0.1,
    softirqCpu: 0.2,
    serverUsPerDelivery: 25,
    acks: 0,
    refusals: {},
    closed: {},
    maxSendLagMs: 1,
    drainMs: 50,
    busyBefore: 0.1,
    attempts: 1,
    ...overrides,
  };
}

function group(serverId: string, connections: number, perConnectionKiB: number, runs: RunFigures[]) {
  const figures: GroupFigures = {
    serverId,
    runtime: 'node',
    connections,
    connectSeconds: 1,
    memory: {
      beforeKiB: 1000,
      afterKiB: 1000 + perConnectionKiB * connections,
      perConnectionKiB,
      livePerConnectionKiB: perConnectionKiB / 2,
    },
    runs: runs.map((r) => ({ ...r, serverId, connections })),
  };
  return figures;
}

describe('message stamps', () => {
  it('finds the send time in the gateway frame and in the bare frame alike', () => {
    const body = messageBody(1764000000123.456, 'w42', 7);
    const frame = JSON.stringify({
      type: 'chat.message',
      channel: 'bench-room',
      message: {
        id: 'x',
        author: { id: 'y', username: 'sender_0001', displayName: null },
        body,
        sentAt: 'z',
      },
    });
    expect(frame.startsWith(CHAT_FRAME_PREFIX)).toBe(true);
    expect(sentAtOf(frame)).toBeCloseTo(1764000000123.456, 3);
  });

  it('gives NaN for frames without a stamp', () => {
    expect(sentAtOf('{"type":"chat.message","message":{"body":"hello"}}')).toBeNaN();
  });
});

describe('scenarios', () => {
  it('parses growing rooms with one or more rates each', () => {
    expect(parseGroups('2000:50,5000:10/20')).toEqual([
      { connections: 2000, rates: [50] },
      { connections: 5000, rates: [10, 20] },
    ]);
  });

  it('refuses rooms that shrink and malformed parts', () => {
    expect(() => parseGroups('5000:10,2000:50')).toThrow(/increase/);
    expect(() => parseGroups('2000')).toThrow(/CLIENTS:RATE/);
    expect(() => parseGroups('2000:fast')).toThrow(/number/);
  });
});

describe('cost split', () => {
  it('recovers the per-message and per-delivery costs a server was built with', () => {
    // CPU = 500 µs per message + 8 µs per delivery.
    const cpu = (connections: number, rate: number) => (rate * 500 + rate * connections * 8) / 1e6;
    const runs = [
      run({ connections: 2000, rate: 50, deliveredPerSecond: 100_000, serverCpu: cpu(2000, 50) }),
      run({ connections: 5000, rate: 10, deliveredPerSecond: 50_000, serverCpu: cpu(5000, 10) }),
      run({ connections: 5000, rate: 20, deliveredPerSecond: 100_000, serverCpu: cpu(5000, 20) }),
    ];
    const [split] = splitCosts([
      group('streamhub-node', 2000, 10, runs.slice(0, 1)),
      group('streamhub-node', 5000, 10, runs.slice(1)),
    ]);
    expect(split?.perMessageUs).toBeCloseTo(500, 3);
    expect(split?.perDeliveryUs).toBeCloseTo(8, 6);
  });

  it('does not guess from a single room size', () => {
    expect(splitCosts([group('bare-ws', 2000, 8, [run({}), run({ rate: 20 })])])).toEqual([]);
  });
});

describe('targets', () => {
  const bare = [
    group('bare-ws', 2000, 8, [run({ rate: 50, deliveredPerSecond: 100_000 })]),
    group('bare-ws', 5000, 8, [run({ rate: 20, deliveredPerSecond: 100_000 })]),
  ];

  it('passes a gateway within every target', () => {
    const results = evaluateTargets([
      ...bare,
      group('streamhub-node', 2000, 12, [run({ rate: 50, deliveredPerSecond: 80_000 })]),
      group('streamhub-node', 5000, 12, [run({ rate: 20, deliveredPerSecond: 71_000, p99Ms: 99 })]),
    ]);
    expect(results.map((r) => [r.scenario, r.target, r.pass])).toEqual([
      ['2,000 clients', '< 20 KiB per connection', true],
      ['2,000 clients × 50 msg/s', '≥ 70 % of bare ws deliveries/s', true],
      ['5,000 clients', '< 20 KiB per connection', true],
      ['5,000 clients × 20 msg/s', '≥ 70 % of bare ws deliveries/s', true],
      ['5,000 clients × 20 msg/s', 'p99 < 100 ms', true],
    ]);
  });

  it('fails each target on its own', () => {
    const results = evaluateTargets([
      ...bare,
      group('streamhub-bun', 5000, 21, [run({ rate: 20, deliveredPerSecond: 69_000, p99Ms: 100 })]),
    ]);
    expect(results.map((r) => [r.target, r.pass])).toEqual([
      ['< 20 KiB per connection', false],
      ['≥ 70 % of bare ws deliveries/s', false],
      ['p99 < 100 ms', false],
    ]);
  });

  it('fails the latency target when messages were lost, however fast the rest arrived', () => {
    const [, , latency] = evaluateTargets([
      ...bare,
      group('streamhub-node', 5000, 10, [run({ rate: 20, p99Ms: 20, deliveredShare: 0.9 })]),
    ]);
    expect(latency).toMatchObject({ target: 'p99 < 100 ms', pass: false });
  });
});
