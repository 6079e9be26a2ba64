/**
 * Taking over a dead node's sessions, on the in-memory gate and leases with a real media directory: a
 * refused publish ends the session of a node without a lease and goes through; a live holder, this node
 * itself, or a session without a node stand; the sweep ends a dead node's sessions only on its second
 * sighting, closing a recording and deleting what is not one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import { createMemoryNodeLiveness } from '@streamhub/infra/node-liveness/memory';
import type { NodeLiveness } from '@streamhub/infra/node-liveness/port';
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryPublishGate } from '../testing/in-memory-publish-gate.ts';
import { gateWithTakeover, holdNodeLease, startOrphanSweep } from './live-takeover.ts';

const logger = createLogger({ level: 'silent', name: 'live-takeover-test' });
const LEASE_MS = 200;

let dataDir: string;
let media: MediaStorage;
let gate: InMemoryPublishGate;
let liveness: NodeLiveness;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-takeover-'));
  media = createMediaStorage({ dataDir });
  gate = new InMemoryPublishGate();
  liveness = createMemoryNodeLiveness();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A variant playlist with one segment, as a node leaves it when it dies mid-broadcast. */
async function leaveFiles(playbackId: string) {
  const playlist = mediaKeys.liveFile(playbackId, '360p.m3u8');
  await media.write(playlist, Buffer.from('#EXTM3U\n#EXTINF:1.0,\n360p_00001.ts\n'));
  await media.write(mediaKeys.liveFile(playbackId, '360p_00001.ts'), Buffer.from('segment'));
  return playlist;
}

const text = async (key: ReturnType<typeof mediaKeys.liveFile>) =>
  (await readMediaBytes(media, key))?.toString('utf8');

describe('gateWithTakeover', () => {
  it('ends the session of a holder whose lease ran out, keeps its recording, and lets the publish through', async () => {
    const key = gate.addKey({ record: true });
    const first = await gate.authorize(key, { nodeId: 'node-a' });
    if (!first.ok) throw new Error(first.reason);
    const playlist = await leaveFiles(first.playbackId);
    // node-a never renewed (or its lease ran out): it is dead.
    const taking = gateWithTakeover({ gate, liveness, nodeId: 'node-b', media, logger });
    await liveness.renew('node-b', 60_000);

    const second = await taking.authorize(key, { nodeId: 'node-b' });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(gate.endedCalls).toEqual([{ sessionId: first.sessionId, recorded: true }]);
    expect(await text(playlist)).toMatch(/#EXT-X-ENDLIST\n$/);
    expect(await gate.heldSessions('node-b')).toEqual([
      { sessionId: second.sessionId, playbackId: second.playbackId, record: true },
    ]);
  });

  it('deletes an unrecorded session’s files when it takes it over', async () => {
    const key = gate.addKey();
    const first = await gate.authorize(key, { nodeId: 'node-a' });
    if (!first.ok) throw new Error(first.reason);
    await leaveFiles(first.playbackId);
    const taking = gateWithTakeover({ gate, liveness, nodeId: 'node-b', media, logger });
    expect((await taking.authorize(key, { nodeId: 'node-b' })).ok).toBe(true);
    expect(gate.endedCalls).toEqual([{ sessionId: first.sessionId, recorded: false }]);
    expect(await media.list(mediaKeys.livePrefix(first.playbackId))).toEqual([]);
  });

  it('leaves the session of a node that holds its lease, of this node itself, and of no node', async () => {
    const taking = gateWithTakeover({ gate, liveness, nodeId: 'node-b', media, logger });
    const alive = gate.addKey();
    const own = gate.addKey();
    const nodeless = gate.addKey();
    await liveness.renew('node-a', 60_000);
    expect((await gate.authorize(alive, { nodeId: 'node-a' })).ok).toBe(true);
    expect((await gate.authorize(own, { nodeId: 'node-b' })).ok).toBe(true);
    // What an older release stored: a session without a node id, which only its channel's events can end.
    gate.openSession({ nodeId: '', channelId: 'nodeless' });
    gate.addKey({ channelId: 'nodeless', key: nodeless });

    for (const key of [alive, own, nodeless]) {
      const refused = await taking.authorize(key, { nodeId: 'node-b' });
      expect(refused).toMatchObject({ ok: false, reason: 'channel already live' });
    }
    expect(gate.endedCalls).toEqual([]);
  });
});

describe('holdNodeLease', () => {
  it('keeps the node alive past its lease while it runs, and releases it on stop', async () => {
    const lease = await holdNodeLease({ liveness, nodeId: 'node-a', leaseMs: LEASE_MS, logger });
    stops.push(() => lease.stop());
    expect((await liveness.alive(['node-a'])).has('node-a')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 3));
    expect((await liveness.alive(['node-a'])).has('node-a')).toBe(true);
    await lease.stop();
    expect((await liveness.alive(['node-a'])).has('node-a')).toBe(false);
  });
});

describe('startOrphanSweep', () => {
  it('ends a dead node’s sessions on the second sighting half a lease later, never a live node’s', async () => {
    const dead = await gate.authorize(gate.addKey({ record: true }), { nodeId: 'node-dead' });
    const live = await gate.authorize(gate.addKey(), { nodeId: 'node-live' });
    const mine = await gate.authorize(gate.addKey(), { nodeId: 'node-b' });
    if (!dead.ok || !live.ok || !mine.ok) throw new Error('refused');
    const playlist = await leaveFiles(dead.playbackId);
    await liveness.renew('node-live', 60_000);
    const sweep = startOrphanSweep({ gate, liveness, nodeId: 'node-b', media, leaseMs: 60_000, logger });
    stops.push(() => sweep.stop());

    // First sighting: nothing yet (a Redis that lost its keys looks like this for a moment).
    expect(await sweep.sweepOnce()).toBe(0);
    expect(gate.endedCalls).toEqual([]);
    // Too soon for the second.
    expect(await sweep.sweepOnce()).toBe(0);

    const later = startOrphanSweep({ gate, liveness, nodeId: 'node-b', media, leaseMs: LEASE_MS, logger });
    stops.push(() => later.stop());
    expect(await later.sweepOnce()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 2 + 20));
    expect(await later.sweepOnce()).toBe(1);
    expect(gate.endedCalls).toEqual([{ sessionId: dead.sessionId, recorded: true }]);
    expect(await text(playlist)).toMatch(/#EXT-X-ENDLIST\n$/);
    expect((await gate.heldSessions('node-live')).map((s) => s.sessionId)).toEqual([live.sessionId]);
    expect((await gate.heldSessions('node-b')).map((s) => s.sessionId)).toEqual([mine.sessionId]);
  });

  it('cuts a session this node feeds once the database no longer lists it live here (ended elsewhere)', async () => {
    const kept = await gate.authorize(gate.addKey(), { nodeId: 'node-b' });
    const taken = await gate.authorize(gate.addKey(), { nodeId: 'node-b' });
    if (!kept.ok || !taken.ok) throw new Error('refused');
    const cut: string[] = [];
    const sweep = startOrphanSweep({
      gate,
      liveness,
      nodeId: 'node-b',
      media,
      leaseMs: 60_000,
      logger,
      here: { sessionIds: () => [kept.sessionId, taken.sessionId], cut: async (id) => cut.push(id) },
    });
    stops.push(() => sweep.stop());
    expect(await sweep.sweepOnce()).toBe(0);
    expect(cut).toEqual([]);
    // Another node took node-b for dead (cut off from Redis for a lease) and ended one of its sessions.
    await gate.ended(taken.sessionId, { recorded: false });
    await sweep.sweepOnce();
    expect(cut).toEqual([taken.sessionId]);
  });

  it('forgives a node that renews its lease between two sweeps', async () => {
    const session = await gate.authorize(gate.addKey(), { nodeId: 'node-slow' });
    if (!session.ok) throw new Error(session.reason);
    const sweep = startOrphanSweep({ gate, liveness, nodeId: 'node-b', media, leaseMs: LEASE_MS, logger });
    stops.push(() => sweep.stop());
    expect(await sweep.sweepOnce()).toBe(0);
    await liveness.renew('node-slow', LEASE_MS);
    expect(await sweep.sweepOnce()).toBe(0);
    // Its lease runs out again: the count starts afresh.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 20));
    expect(await sweep.sweepOnce()).toBe(0);
    expect(gate.endedCalls).toEqual([]);
  });
});
