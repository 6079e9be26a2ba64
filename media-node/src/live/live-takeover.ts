/**
 * Taking over what a dead media node holds. Each node renews a short lease under its fixed id
 * (`NodeLiveness`); a session stored under a node whose lease ran out has nobody left to end it, so:
 *
 * - a publish refused because its channel is still live under such a node ends that session (as the
 *   crash recovery of a restarted node would) and is checked once more, so the streamer's reconnect to
 *   any other node starts a new session at once;
 * - every node also sweeps, once per lease, the sessions of other nodes and ends those whose node has
 *   been seen without a lease on two sweeps at least half a lease apart, so a broadcast of a dead node ends cleanly even
 *   when nobody reconnects. Two sightings, not one: a Redis that lost its keys (restart without
 *   persistence) looks for a moment as if every node were dead, until they renew (every third of a lease).
 *
 * A node that is alive but cannot renew for a whole lease (cut off from Redis) is treated as dead; its
 * own publishers keep feeding sessions that are already ended (docs/deploy.md says so).
 */

import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { NodeLiveness } from '@streamhub/infra/node-liveness/port';
import type { Logger } from '@streamhub/logger/logger';
import { endAbandonedSession } from './live-recovery.ts';
import type { PublishGate } from './publish-gate.ts';

export interface TakeoverOptions {
  gate: PublishGate;
  liveness: NodeLiveness;
  /** This node's id: its own sessions are never taken over by itself. */
  nodeId: string;
  media: MediaStorage;
  /** How long a lease lasts without renewal (MEDIA_NODE_LEASE_SECONDS). */
  leaseMs: number;
  logger: Logger;
}

/** The sessions this node feeds, for the sweep's check that none of them was ended elsewhere. */
export interface HeldHere {
  sessionIds(): string[];
  /** Stops feeding a session that is over (disconnects its publisher). */
  cut(sessionId: string): Promise<unknown>;
}

/** Renews this node's lease every third of it until stopped; `stop` releases it (a clean shutdown). */
export async function holdNodeLease(
  options: Pick<TakeoverOptions, 'liveness' | 'nodeId' | 'leaseMs' | 'logger'>,
): Promise<{ stop(): Promise<void> }> {
  const { liveness, nodeId, leaseMs, logger } = options;
  // The first renewal is awaited: no publish is accepted before other nodes can see this one alive.
  await liveness.renew(nodeId, leaseMs);
  const timer = setInterval(
    () => {
      liveness
        .renew(nodeId, leaseMs)
        .catch((error: unknown) => logger.warn({ err: error, nodeId }, 'could not renew the node lease'));
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await liveness
        .release(nodeId)
        .catch((error: unknown) => logger.warn({ err: error, nodeId }, 'could not release the node lease'));
    },
  };
}

/**
 * The gate, except that a publish refused because a node without a lease holds the channel's session
 * ends that session and asks again (once: a second refusal stands).
 */
export function gateWithTakeover(options: Omit<TakeoverOptions, 'leaseMs'>): PublishGate {
  const { gate, liveness, nodeId, media, logger } = options;
  return {
    async authorize(streamKey, context) {
      const first = await gate.authorize(streamKey, context);
      const holder = first.ok ? undefined : first.holder;
      if (!holder?.nodeId || holder.nodeId === nodeId) return first;
      if ((await liveness.alive([holder.nodeId])).has(holder.nodeId)) return first;
      const leftBy = `media node ${holder.nodeId}, whose lease ran out,`;
      if (!(await endAbandonedSession(holder, { gate, media, logger }, leftBy))) return first;
      return gate.authorize(streamKey, context);
    },
    ended: (sessionId, info) => gate.ended(sessionId, info),
    heldSessions: (id) => gate.heldSessions(id),
    liveSessionsOfOtherNodes: (id) => gate.liveSessionsOfOtherNodes(id),
    playbackStates: (ids) => gate.playbackStates(ids),
    watchTerminations: (terminate) => gate.watchTerminations(terminate),
  };
}

/**
 * One sweep every `leaseMs`: sessions of nodes seen without a lease on two sweeps are ended, and sessions
 * this node still feeds but the database no longer lists as live under it (another node took this one for
 * dead while it was cut off from Redis) are cut here, so their publishers reconnect into new sessions.
 * Returns a stop function; `sweepOnce` is exposed for tests and resolves to how many sessions it ended.
 */
export function startOrphanSweep(options: TakeoverOptions & { here?: HeldHere }): {
  stop(): Promise<void>;
  sweepOnce(): Promise<number>;
} {
  const { gate, liveness, nodeId, media, leaseMs } = options;
  const logger = options.logger.child({ component: 'orphan-sweep' });
  // Node id → when a sweep first found it without a lease (forgotten once it has one again).
  const missingSince = new Map<string, number>();
  let running: Promise<number> | undefined;

  const sweep = async (): Promise<number> => {
    const sessions = await gate.liveSessionsOfOtherNodes(nodeId);
    const nodes = [...new Set(sessions.map((session) => session.nodeId))];
    const alive = await liveness.alive(nodes);
    const now = Date.now();
    for (const id of missingSince.keys()) if (!nodes.includes(id) || alive.has(id)) missingSince.delete(id);
    let ended = 0;
    for (const id of nodes) {
      if (alive.has(id)) continue;
      const since = missingSince.get(id);
      if (since === undefined) {
        missingSince.set(id, now);
        continue;
      }
      if (now - since < leaseMs / 2) continue;
      for (const session of sessions.filter((s) => s.nodeId === id)) {
        const leftBy = `media node ${id}, without a lease since ${new Date(since).toISOString()},`;
        if (await endAbandonedSession(session, { gate, media, logger }, leftBy)) ended += 1;
      }
    }
    await cutWhatEndedElsewhere();
    return ended;
  };
  const cutWhatEndedElsewhere = async () => {
    const feeding = options.here?.sessionIds() ?? [];
    if (feeding.length === 0) return;
    const live = new Set((await gate.heldSessions(nodeId)).map((session) => session.sessionId));
    for (const sessionId of feeding) {
      if (live.has(sessionId)) continue;
      logger.warn({ sessionId }, 'cutting a session that was ended elsewhere while this node fed it');
      await options.here?.cut(sessionId);
    }
  };
  const sweepOnce = () => {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweepOnce().catch((error: unknown) => logger.warn({ err: error }, 'orphan sweep failed'));
  }, leaseMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
    sweepOnce,
  };
}
