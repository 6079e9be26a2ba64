/**
 * Restreaming (simulcast): while a publish is live, its source is forwarded to each of the channel's
 * destinations (one {@link RestreamForwarder} each), and each forward's state is reported through the
 * {@link RestreamTargets} port. Destinations are read when a publish starts (also after a reconnect);
 * forwards stop when the publisher leaves and resume with the next publish of the session.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '@streamhub/logger/logger';
import type { LiveSessionView } from './live-manager.ts';
import { DEFAULT_RESTREAM_BACKOFF, type RestreamBackoff, RestreamForwarder } from './restream-forwarder.ts';
import type { RestreamState, RestreamTargets } from './restream-port.ts';

/** Where publishes start and end, and their local URLs (the ingest router). */
export interface RestreamSource
  extends Pick<EventEmitter<{ sourceStarted: [string]; sourceEnded: [string] }>, 'on' | 'off'> {
  localUrl(connectionId: string): string | undefined;
}

export interface RestreamerOptions {
  targets: RestreamTargets;
  ffmpegPath: string;
  /** Which session a connection feeds. */
  sessions(): LiveSessionView[];
  source: RestreamSource;
  backoff?: RestreamBackoff;
  logger: Logger;
}

interface ActivePublish {
  sessionId: string;
  forwarders: RestreamForwarder[];
}

export class Restreamer {
  private readonly byConnection = new Map<string, ActivePublish>();
  private readonly onStarted = (connectionId: string) => void this.sourceStarted(connectionId);
  private readonly onEnded = (connectionId: string) => void this.sourceEnded(connectionId);

  constructor(private readonly options: RestreamerOptions) {
    options.source.on('sourceStarted', this.onStarted);
    options.source.on('sourceEnded', this.onEnded);
  }

  /** The forwarders of a session's current publish (tests, status). */
  forwardersOf(sessionId: string): RestreamForwarder[] {
    return [...this.byConnection.values()].find((p) => p.sessionId === sessionId)?.forwarders ?? [];
  }

  private async sourceStarted(connectionId: string): Promise<void> {
    const { options } = this;
    const view = options.sessions().find((s) => s.connectionId === connectionId);
    if (!view) return;
    const log = options.logger.child({ sessionId: view.sessionId });
    let destinations: Awaited<ReturnType<RestreamTargets['destinationsFor']>>;
    try {
      destinations = await options.targets.destinationsFor(view.sessionId);
    } catch (error) {
      log.error({ err: error }, 'could not read the restream destinations');
      return;
    }
    // Read after the look-up: the publisher may have left meanwhile.
    const input = options.source.localUrl(connectionId);
    if (!input || destinations.length === 0 || this.byConnection.has(connectionId)) return;
    const publish: ActivePublish = { sessionId: view.sessionId, forwarders: [] };
    this.byConnection.set(connectionId, publish);
    for (const destination of destinations) {
      const report = this.reporter(view.sessionId, destination.id, log);
      publish.forwarders.push(
        new RestreamForwarder({
          ffmpegPath: options.ffmpegPath,
          input,
          destination,
          backoff: options.backoff ?? DEFAULT_RESTREAM_BACKOFF,
          onState: report,
          logger: log,
        }),
      );
    }
    log.info({ destinations: destinations.length }, 'restreaming');
    for (const forwarder of publish.forwarders) forwarder.start();
  }

  /** Reports one destination's states in order (each waits for the previous write). */
  private reporter(sessionId: string, destinationId: string, log: Logger) {
    let chain = Promise.resolve();
    return (state: RestreamState, reason?: string) => {
      chain = chain
        .then(() =>
          this.options.targets.reportStatus({
            sessionId,
            destinationId,
            state,
            ...(reason === undefined ? {} : { reason }),
          }),
        )
        .catch((error: unknown) =>
          log.warn({ err: error, destinationId, state }, 'could not record a restream state'),
        );
    };
  }

  private async sourceEnded(connectionId: string): Promise<void> {
    const publish = this.byConnection.get(connectionId);
    if (!publish) return;
    this.byConnection.delete(connectionId);
    await Promise.all(publish.forwarders.map((f) => f.stop()));
    for (const forwarder of publish.forwarders) forwarder.markOffline();
  }

  async close(): Promise<void> {
    this.options.source.off('sourceStarted', this.onStarted);
    this.options.source.off('sourceEnded', this.onEnded);
    await Promise.all([...this.byConnection.keys()].map((id) => this.sourceEnded(id)));
  }
}
