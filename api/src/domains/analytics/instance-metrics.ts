/**
 * The instance's health on `/metrics` (Prometheus): live channels, their viewers, ingest bitrate per
 * media node, the transcode queue's depth and age, and the beacon ingest. Read at scrape time: from the
 * database and the shared presence, so every gateway shows the same instance figures; the beacon
 * figures are this gateway's. One read serves every gauge of a scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnalyticsService } from './analytics.service.ts';

/** Gauges of one scrape share one read of the instance's state. */
const SNAPSHOT_MS = 1000;

export function registerInstanceMetrics(registry: Registry, analytics: AnalyticsService): void {
  let snapshot: { at: number; health: ReturnType<AnalyticsService['instanceHealth']> } | undefined;
  const health = () => {
    const now = Date.now();
    if (!snapshot || now - snapshot.at > SNAPSHOT_MS) {
      snapshot = { at: now, health: analytics.instanceHealth() };
      // A failed read is not kept: the next scrape asks again.
      snapshot.health.catch(() => {
        snapshot = undefined;
      });
    }
    return snapshot.health;
  };
  const registers = [registry];

  new Gauge({
    name: 'streamhub_live_channels',
    help: 'Channels broadcasting now',
    registers,
    async collect() {
      this.set((await health()).live.length);
    },
  });
  new Gauge({
    name: 'streamhub_live_viewers',
    help: 'Distinct viewers of live channels now (/ws, playback heartbeats and beacons), summed over channels',
    registers,
    async collect() {
      this.set((await health()).live.reduce((sum, b) => sum + b.viewers, 0));
    },
  });
  new Gauge({
    name: 'streamhub_node_live_channels',
    help: 'Live channels each media node holds',
    labelNames: ['node'],
    registers,
    async collect() {
      this.reset();
      for (const b of (await health()).live) this.inc({ node: b.nodeId || 'unknown' });
    },
  });
  new Gauge({
    name: 'streamhub_node_ingest_bitrate_bits',
    help: 'Ingest bitrate each media node receives, bits per second (running averages of its broadcasts)',
    labelNames: ['node'],
    registers,
    async collect() {
      this.reset();
      for (const b of (await health()).live) this.inc({ node: b.nodeId || 'unknown' }, b.bitrate ?? 0);
    },
  });
  new Gauge({
    name: 'streamhub_transcode_queue_depth',
    help: 'Videos uploaded and waiting for transcoding, or being transcoded',
    registers,
    async collect() {
      this.set((await health()).transcodeQueue.depth);
    },
  });
  new Gauge({
    name: 'streamhub_transcode_queue_oldest_age_seconds',
    help: 'How long the longest-waiting video of the transcode queue has been in its state (0 when empty)',
    registers,
    async collect() {
      this.set((await health()).transcodeQueue.oldestAgeSeconds);
    },
  });
  let counted = 0;
  new Counter({
    name: 'streamhub_analytics_beacons_accepted_total',
    help: 'Player beacons (and view starts) this gateway accepted',
    registers,
    collect() {
      const accepted = analytics.acceptedBeacons;
      this.inc(accepted - counted);
      counted = accepted;
    },
  });
  new Gauge({
    name: 'streamhub_analytics_beacons_pending',
    help: 'Beacons this gateway accepted and has not written to the analytics store yet',
    registers,
    collect() {
      this.set(analytics.pendingBeacons);
    },
  });
}
