/**
 * Live views in the shared presence store, and the presence samples of each broadcast. A live view's
 * beacons hold its viewer in the channel's presence (holder `beacon`), under the same key as its page's
 * `/ws` connection when the player sent that viewer id: presence then counts every viewer once, whether
 * it is seen by chat, by playback heartbeats, by beacons, or by several of them. Holds are batched: a
 * beacon costs a map write, and the flush (every second) makes one presence call per viewer.
 */
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import type { PresenceSample } from './analytics-store.ts';
import type { LiveBroadcast } from './instance-state.repository.ts';

/** The presence holder of beacon-backed viewers; distinct from `/ws` replicas and `hls` heartbeats. */
export const BEACON_HOLDER = 'beacon';
/** A live view stays present this long after a beacon: two and a half heartbeats. */
export const BEACON_PRESENCE_TTL_MS = 25_000;
/** Presence is sampled on ticks of this length, aligned to the epoch. */
export const SAMPLE_STEP_MS = 10_000;

interface PendingHold {
  channelId: string;
  key: string;
  /** The view ended (`end`, `exit`): its hold goes at once rather than by expiry. */
  release: boolean;
}

export class LivePresence {
  private pending = new Map<string, PendingHold>();

  constructor(
    private readonly presence: PresenceStore,
    private readonly liveBroadcasts: () => Promise<LiveBroadcast[]>,
  ) {}

  /** Remembers that `key` watches `channelId` now (or stopped watching, when `release`). */
  note(channelId: string, key: string, release: boolean): void {
    this.pending.set(`${channelId}\n${key}`, { channelId, key, release });
  }

  /** Applies the remembered holds to the presence store. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const holds = [...this.pending.values()];
    this.pending = new Map();
    await Promise.all(
      holds.map(({ channelId, key, release }) =>
        release
          ? this.presence.release(channelId, key, BEACON_HOLDER)
          : this.presence.touch(channelId, key, BEACON_HOLDER, BEACON_PRESENCE_TTL_MS),
      ),
    );
  }

  /** Current distinct viewers of each channel. */
  counts(channelIds: string[]): Promise<Map<string, number>> {
    return channelIds.length === 0 ? Promise.resolve(new Map()) : this.presence.counts(channelIds);
  }

  /** The presence of every live broadcast at the tick holding `now`. */
  async sample(now: Date): Promise<PresenceSample[]> {
    await this.flush();
    const live = await this.liveBroadcasts();
    if (live.length === 0) return [];
    const counts = await this.presence.counts(live.map((b) => b.channelId));
    const at = new Date(Math.floor(now.getTime() / SAMPLE_STEP_MS) * SAMPLE_STEP_MS);
    return live.map((b) => ({ liveSessionId: b.liveSessionId, at, viewers: counts.get(b.channelId) ?? 0 }));
  }
}
