/**
 * One ingest for the live manager out of RTMP and SRT. SRT publishes reach the node's RTMP server
 * through a relay (see `srt-ingest.ts`); this router hides that: the manager sees the SRT connection
 * (`srt-<n>`), while the relay's RTMP connection is accepted without a second publish check (its
 * one-time name was issued after the SRT stream id passed the gate) and its media, source info and
 * local URL are read under the SRT connection's id.
 *
 * It also tells when a publish's source starts and ends (`sourceStarted` / `sourceEnded` with the
 * connection id the manager knows), for the restreams that read the same local copy.
 */
import { EventEmitter } from 'node:events';
import type {
  IngestHandlers,
  IngestMediaInfo,
  PublishDecision,
  PublishRequest,
  RtmpIngest,
} from './rtmp-ingest.ts';
import type { SrtIngest } from './srt-ingest.ts';

export interface IngestRouterEvents {
  /** Media of an accepted publish flows; its local URL is readable. */
  sourceStarted: [string];
  /** That publish's publisher left (or was cut). */
  sourceEnded: [string];
}

export class IngestRouter extends EventEmitter<IngestRouterEvents> implements IngestHandlers, RtmpIngest {
  private rtmp: RtmpIngest | undefined;
  private srt: SrtIngest | undefined;

  constructor(private readonly next: IngestHandlers) {
    super();
  }

  /** Attach the RTMP ingest (started with this router as its handlers) before it accepts anything. */
  attachRtmp(rtmp: RtmpIngest): void {
    this.rtmp = rtmp;
  }

  attachSrt(srt: SrtIngest): void {
    this.srt = srt;
  }

  get port(): number {
    return this.rtmp?.port ?? 0;
  }

  get srtPort(): number | undefined {
    return this.srt?.port;
  }

  /** RTMP side. */
  async publishRequested(request: PublishRequest): Promise<PublishDecision> {
    if (this.srt?.claimRelay(request.streamKey, request.connectionId)) return { accept: true };
    return this.next.publishRequested(request);
  }

  publishStarted(connectionId: string): void {
    const id = this.srt?.srtConnectionOf(connectionId) ?? connectionId;
    this.next.publishStarted(id);
    this.emit('sourceStarted', id);
  }

  /** From the RTMP ingest, and from the SRT ingest for its own connections. */
  publishEnded(connectionId: string): void {
    const srtId = this.srt?.srtConnectionOf(connectionId);
    // A relay's RTMP leg ended: the SRT connection ends with it and reports the end itself, once.
    if (srtId) {
      this.srt?.disconnect(srtId);
      return;
    }
    this.next.publishEnded(connectionId);
    this.emit('sourceEnded', connectionId);
  }

  /** The RTMP connection that carries a connection's media: itself, or an SRT connection's relay. */
  private carrier(connectionId: string): string | undefined {
    if (!this.srt || !connectionId.startsWith('srt-')) return connectionId;
    return this.srt.rtmpConnectionOf(connectionId);
  }

  localUrl(connectionId: string): string | undefined {
    const carrier = this.carrier(connectionId);
    return carrier && this.rtmp?.localUrl(carrier);
  }

  async mediaInfo(connectionId: string, timeoutMs: number): Promise<IngestMediaInfo | undefined> {
    const deadline = Date.now() + timeoutMs;
    // An SRT connection's relay may still be connecting to RTMP when the manager asks.
    let carrier = this.carrier(connectionId);
    while (!carrier && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      carrier = this.carrier(connectionId);
    }
    if (!carrier || !this.rtmp) return undefined;
    return this.rtmp.mediaInfo(carrier, Math.max(0, deadline - Date.now()));
  }

  bytesReceived(connectionId: string): number | undefined {
    if (this.srt && connectionId.startsWith('srt-')) return this.srt.bytesReceived(connectionId);
    return this.rtmp?.bytesReceived(connectionId);
  }

  /** The encoder's keyframe interval, measured by the RTMP ingest (an SRT publish's too, on its carrier). */
  keyframeInterval(connectionId: string): number | undefined {
    const carrier = this.carrier(connectionId);
    return carrier ? this.rtmp?.keyframeInterval?.(carrier) : undefined;
  }

  disconnect(connectionId: string): boolean {
    if (this.srt && connectionId.startsWith('srt-')) return this.srt.disconnect(connectionId);
    return this.rtmp?.disconnect(connectionId) ?? false;
  }

  async close(): Promise<void> {
    await this.srt?.close();
    await this.rtmp?.close();
  }
}
