/**
 * The analytics domain's rules: starting a view (the target must exist and be watchable), accepting
 * beacons (signed view token, no database round trip), counting views, and reports for their owners.
 */
import type {
  BeaconRequest,
  Report,
  ReportQuery,
  StartedView,
  StartViewRequest,
} from '@streamhub/contracts/analytics';
import { HEARTBEAT_SECONDS } from '@streamhub/contracts/analytics';
import { AppError, forbidden, notFound, rateLimited } from '@streamhub/errors/app-error';
import type { CounterStore } from '@streamhub/infra/counters/port';
import type { AuthContext } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { VideosService } from '../videos/videos.service.ts';
import { type AnalyticsStore, type BeaconRecord, pairKey, type ReportScope } from './analytics-store.ts';
import type { BeaconBuffer } from './beacon-buffer.ts';
import { COUNTED_VIEW_WINDOW_MS, decideCountedViews } from './counted-views.ts';
import { deviceClass } from './device-class.ts';
import type { InstanceStateRepository, LiveBroadcast, TranscodeQueue } from './instance-state.repository.ts';
import type { LivePresence } from './live-presence.ts';
import { bucketsOf, concurrency, fillSeries, retentionCurve, toMetrics } from './report-shaping.ts';
import { type DailySalts, utcDay, type ViewClaims, type ViewTokens } from './view-tokens.ts';

export interface AnalyticsServiceDeps {
  store: AnalyticsStore;
  buffer: BeaconBuffer;
  tokens: ViewTokens;
  salts: DailySalts;
  /** Counts each view's beacons (the per-view limit), shared by replicas when on Redis. */
  counters: CounterStore;
  videos: Pick<VideosService, 'analyticsSubject' | 'setViewCounts'>;
  channels: Pick<ChannelsService, 'sessionByPlaybackId' | 'reference' | 'sessionReference'>;
  /** Seconds a view must watch to be counted. */
  countedViewSeconds: number;
  /** Days raw beacons are kept; the rollups stay. */
  rawRetentionDays: number;
  /** Beacons one view may send per BEACON_WINDOW_MS. */
  beaconsPerView: number;
  /** Live broadcasts and the transcode queue, for the instance's health gauges. */
  instanceState?: InstanceStateRepository;
  /** Live views in the shared presence, and its samples; without it live views come from beacons alone. */
  livePresence?: LivePresence;
  now?: () => Date;
}

/** Who is watching, as the route sees them. */
export interface ViewerClient {
  address: string;
  userAgent: string;
}

export type ReportSubject =
  | { kind: 'video'; id: string }
  | { kind: 'broadcast'; id: string }
  | { kind: 'channel'; slug: string }
  | { kind: 'instance' };

const DECISION_BATCH = 1000;
/**
 * Beacons are limited per view, not per address (many viewers share one NAT address): `beaconsPerView`
 * in fixed windows of 10 s, by default 10, i.e. one a second on average, so a player may send a burst of
 * events (startup, switch, rebuffer) on top of its heartbeat every HEARTBEAT_SECONDS.
 */
export const BEACON_WINDOW_MS = 10_000;
const TOP_LIMIT = 10;

/** Only the host of a referrer is kept: paths and queries may carry personal data. */
export function referrerHost(referrer: string | undefined, ownHost: string): string {
  if (!referrer) return '';
  try {
    const { protocol, host } = new URL(referrer);
    if (protocol !== 'http:' && protocol !== 'https:') return '';
    return host === ownHost ? '' : host.toLowerCase();
  } catch {
    return '';
  }
}

const invalidViewToken = () =>
  new AppError(403, 'invalid_view_token', 'The view token is not valid or has expired; start a new view.');

export class AnalyticsService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: AnalyticsServiceDeps,
    private readonly ownHost: string,
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Whole seconds: what both stores keep. */
  private second(): Date {
    return new Date(Math.floor(this.now().getTime() / 1000) * 1000);
  }

  async startView(
    caller: AuthContext | undefined,
    request: StartViewRequest,
    client: ViewerClient,
  ): Promise<StartedView> {
    const target = await this.resolveTarget(caller, request.target);
    const now = this.second();
    const viewId = crypto.randomUUID();
    const claims: ViewClaims = {
      viewId,
      startedAt: now.getTime() / 1000,
      day: utcDay(now),
      ...target,
      viewerId: await this.deps.tokens.viewerId(caller?.userId, client.address, client.userAgent, now),
      referrer: referrerHost(request.referrer, this.ownHost),
      device: deviceClass(client.userAgent),
      ...(target.targetType === 'live'
        ? { presenceKey: presenceKeyOf(request.viewerId, caller?.userId, viewId) }
        : {}),
    };
    this.accept(
      recordOf(claims, now, {
        seq: 0,
        event: 'start',
        watchedMs: 0,
        rebufferCount: 0,
        rebufferMs: 0,
        renditionSwitches: 0,
      }),
    );
    this.notePresence(claims, 'start');
    return {
      viewId: claims.viewId,
      token: await this.deps.tokens.sign(claims),
      heartbeatSeconds: HEARTBEAT_SECONDS,
    };
  }

  private async resolveTarget(
    caller: AuthContext | undefined,
    target: StartViewRequest['target'],
  ): Promise<Pick<ViewClaims, 'targetType' | 'targetId' | 'channelId'>> {
    if (target.type === 'video') {
      const video = await this.deps.videos.analyticsSubject(target.videoId, caller);
      if (!video?.visible || !video.playable) throw notFound('Video');
      return { targetType: 'video', targetId: video.id, channelId: video.channelId };
    }
    const session = await this.deps.channels.sessionByPlaybackId(target.playbackId);
    // A recording is watched as its video; its playback id counts only while it is live.
    if (!session?.live) throw notFound('Live stream');
    return { targetType: 'live', targetId: session.id, channelId: session.channelId };
  }

  async beacon(request: BeaconRequest): Promise<void> {
    const now = this.second();
    const claims = await this.deps.tokens.verify(request.token, now);
    if (!claims) throw invalidViewToken();
    // Counted only after the signature holds: a forged token cannot spend a real view's budget.
    const { count, resetAt } = await this.deps.counters.hit(`beacons:${claims.viewId}`, BEACON_WINDOW_MS);
    if (count > this.deps.beaconsPerView) {
      throw rateLimited(Math.max(1, Math.ceil((resetAt - this.now().getTime()) / 1000)));
    }
    this.accept(recordOf(claims, now, request));
    this.notePresence(claims, request.event);
  }

  /** A live view holds its viewer in the channel's presence until it ends (or stops sending beacons). */
  private notePresence(claims: ViewClaims, event: string): void {
    if (claims.targetType !== 'live' || !claims.channelId || !this.deps.livePresence) return;
    const key = claims.presenceKey ?? `view:${claims.viewId}`;
    this.deps.livePresence.note(claims.channelId, key, event === 'end' || event === 'exit');
  }

  /** Hands the live views' presence holds to the shared presence store (every second). */
  async flushPresence(): Promise<void> {
    await this.deps.livePresence?.flush();
  }

  /** Stores the presence of every live broadcast at this 10 s tick (every gateway; the higher count wins). */
  async samplePresence(): Promise<number> {
    if (!this.deps.livePresence) return 0;
    const samples = await this.deps.livePresence.sample(this.now());
    await this.deps.store.recordPresenceSamples(samples);
    return samples.length;
  }

  private accept(record: BeaconRecord): void {
    if (!this.deps.buffer.push(record)) {
      throw new AppError(503, 'service_unavailable', 'Analytics is behind; send this beacon again shortly.', {
        headers: { 'Retry-After': '5' },
      });
    }
  }

  /** Starts the beacon buffer's periodic flush; the returned function stops it after a last flush. */
  startBuffer(): () => Promise<void> {
    return this.deps.buffer.start();
  }

  /** Writes what is buffered, then lets go of the store (its connections): the gateway is stopping. */
  async shutdown(stopBuffer: () => Promise<void>): Promise<void> {
    await stopBuffer();
    await this.deps.store.close();
  }

  /** Beacons accepted since the process started (the ingest-rate counter). */
  get acceptedBeacons(): number {
    return this.deps.buffer.accepted;
  }

  /** Beacons accepted and not written to the store yet. */
  get pendingBeacons(): number {
    return this.deps.buffer.size;
  }

  /**
   * The instance's health as the Prometheus gauges show it: each live broadcast with its node, ingest
   * bitrate and current viewers (presence), and the transcode queue.
   */
  async instanceHealth(): Promise<{
    live: (LiveBroadcast & { viewers: number })[];
    transcodeQueue: TranscodeQueue;
  }> {
    const state = this.deps.instanceState;
    if (!state) return { live: [], transcodeQueue: { depth: 0, oldestAgeSeconds: 0 } };
    const [broadcasts, transcodeQueue] = await Promise.all([
      state.liveBroadcasts(),
      state.transcodeQueue(this.now()),
    ]);
    const counts = this.deps.livePresence
      ? await this.deps.livePresence.counts(broadcasts.map((b) => b.channelId))
      : new Map<string, number>();
    return {
      live: broadcasts.map((b) => ({ ...b, viewers: counts.get(b.channelId) ?? 0 })),
      transcodeQueue,
    };
  }

  /**
   * Writes the buffered beacons, folds them into the rollups, decides the views that reached the counted
   * threshold, and stores the counted views of each affected video on the video. Idempotent.
   */
  async process(): Promise<{ decided: number; counted: number }> {
    await this.deps.buffer.flush();
    await this.deps.store.rollUp();
    let decided = 0;
    let counted = 0;
    const videos = new Set<string>();
    for (;;) {
      const candidates = await this.deps.store.undecidedViews(
        this.deps.countedViewSeconds * 1000,
        DECISION_BATCH,
      );
      if (candidates.length === 0) break;
      const times = candidates.map((c) => c.startedAt.getTime());
      const window = {
        from: new Date(Math.min(...times) - COUNTED_VIEW_WINDOW_MS),
        to: new Date(Math.max(...times) + COUNTED_VIEW_WINDOW_MS),
      };
      const pairs = [...new Map(candidates.map((c) => [pairKey(c.viewerId, c.targetId), c])).values()];
      const starts = await this.deps.store.countedStarts(pairs, window);
      const decisions = decideCountedViews(candidates, starts);
      await this.deps.store.recordDecisions(decisions);
      decided += decisions.length;
      for (const decision of decisions) {
        if (!decision.counted) continue;
        counted += 1;
        if (decision.targetType === 'video') videos.add(decision.targetId);
      }
      if (candidates.length < DECISION_BATCH) break;
    }
    if (videos.size > 0)
      await this.deps.videos.setViewCounts(await this.deps.store.countedViews([...videos]));
    return { decided, counted };
  }

  /** Drops raw beacons past retention and salts no token needs any more. */
  async prune(): Promise<void> {
    const now = this.now();
    await this.deps.store.pruneRawEvents(new Date(now.getTime() - this.deps.rawRetentionDays * 86_400_000));
    await this.deps.salts.prune(now);
  }

  async report(caller: AuthContext, subject: ReportSubject, query: ReportQuery): Promise<Report> {
    const scope = await this.authorize(caller, subject);
    const range = { from: new Date(query.from), to: new Date(query.to) };
    const buckets = bucketsOf(range.from, range.to, query.bucket);
    const { store } = this.deps;
    const { totals, series, topVideos, topReferrers } = await store.report(scope, range, query.bucket, {
      topVideos: scope.kind === 'channel' || scope.kind === 'instance' ? TOP_LIMIT : 0,
      topReferrers: TOP_LIMIT,
    });
    let retention: Report['retention'] = null;
    if (scope.kind === 'video') {
      const { views, reached } = await store.retention(scope.id, range);
      retention = retentionCurve(views, reached);
    }
    const live =
      scope.kind === 'live'
        ? concurrency(await store.viewIntervals(scope.id), await store.presenceSamples(scope.id))
        : null;
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      bucket: query.bucket,
      totals: toMetrics(totals),
      series: fillSeries(buckets, series),
      topVideos,
      topReferrers,
      retention,
      concurrency: live,
    };
  }

  /** The store scope of a report the caller may read: owners see their own, admins everything. */
  private async authorize(caller: AuthContext, subject: ReportSubject): Promise<ReportScope> {
    const admin = caller.role === 'admin';
    const mayRead = (ownerId: string) => {
      if (!admin && ownerId !== caller.userId) throw forbidden('Only the owner may read these analytics.');
    };
    switch (subject.kind) {
      case 'video': {
        const video = await this.deps.videos.analyticsSubject(subject.id, caller);
        if (!video || !(video.visible || admin)) throw notFound('Video');
        mayRead(video.ownerId);
        return { kind: 'video', id: video.id };
      }
      case 'broadcast': {
        const session = await this.deps.channels.sessionReference(subject.id);
        mayRead(session.ownerId);
        return { kind: 'live', id: session.id };
      }
      case 'channel': {
        const channel = await this.deps.channels.reference(subject.slug);
        mayRead(channel.ownerId);
        return { kind: 'channel', id: channel.id };
      }
      case 'instance':
        if (!admin) throw forbidden('Only an admin may read the instance analytics.');
        return { kind: 'instance' };
    }
  }
}

/**
 * The presence key of a live view: the player's viewer id when it sent one (the key its page's `/ws`
 * connection and playback heartbeats use, `viewerKeyOf` in realtime-hub.ts), else the signed-in account
 * (as a `/ws` connection without a viewer id counts), else the view itself.
 */
export function presenceKeyOf(viewerId: string | undefined, userId: string | undefined, viewId: string) {
  if (viewerId) return `v:${viewerId}`;
  return userId ? `u:${userId}` : `view:${viewId}`;
}

type BeaconState = Pick<BeaconRequest, 'watchedMs' | 'rebufferCount' | 'rebufferMs' | 'renditionSwitches'> &
  Partial<Pick<BeaconRequest, 'positionPct' | 'rendition' | 'startupMs' | 'error'>> & {
    seq: number;
    event: string;
  };

function recordOf(claims: ViewClaims, receivedAt: Date, state: BeaconState): BeaconRecord {
  return {
    viewId: claims.viewId,
    seq: state.seq,
    event: state.event,
    receivedAt,
    viewStartedAt: new Date(claims.startedAt * 1000),
    targetType: claims.targetType,
    targetId: claims.targetId,
    channelId: claims.channelId,
    viewerId: claims.viewerId,
    referrer: claims.referrer,
    device: claims.device,
    watchedMs: state.watchedMs,
    positionPct: claims.targetType === 'video' ? (state.positionPct ?? 0) : 0,
    rendition: state.rendition ?? '',
    startupMs: state.startupMs ?? null,
    rebufferCount: state.rebufferCount,
    rebufferMs: state.rebufferMs,
    renditionSwitches: state.renditionSwitches,
    failed: state.event === 'error' || state.error !== undefined,
    errorCode: state.error?.code ?? '',
  };
}
