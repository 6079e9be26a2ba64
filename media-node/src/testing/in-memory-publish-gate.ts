/**
 * A real {@link PublishGate} backed by Maps, for tests and for running the
 * media node without the API (keys registered in code). Same rules as the
 * channels service: unknown or revoked key → refused; a channel already live → refused.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  HeldSession,
  PlaybackState,
  PublishAuthorization,
  PublishContext,
  PublishGate,
  SessionEndInfo,
  TerminationRequest,
} from '../live/publish-gate.ts';

interface KeyEntry {
  channelId: string;
  record: boolean;
  /** The channel's LL-HLS choice (null: the instance's default). */
  lowLatency: boolean | null;
  revoked: boolean;
}

export interface IssuedSession {
  sessionId: string;
  playbackId: string;
  channelId: string;
  nodeId: string;
  record: boolean;
}

export class InMemoryPublishGate implements PublishGate {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly liveByChannel = new Map<string, IssuedSession>();
  private readonly endedStates = new Map<string, PlaybackState>();
  private readonly terminators = new Set<(request: TerminationRequest) => Promise<unknown>>();
  readonly issued: IssuedSession[] = [];
  readonly authorizeResults: PublishAuthorization[] = [];
  readonly endedCalls: ({ sessionId: string } & SessionEndInfo)[] = [];

  /** Registers a stream key for a channel; returns the key. */
  addKey(
    options: { channelId?: string; record?: boolean; lowLatency?: boolean | null; key?: string } = {},
  ): string {
    const key = options.key ?? randomBytes(18).toString('base64url');
    this.keys.set(key, {
      channelId: options.channelId ?? randomUUID(),
      record: options.record ?? false,
      lowLatency: options.lowLatency ?? null,
      revoked: false,
    });
    return key;
  }

  revoke(key: string): void {
    const entry = this.keys.get(key);
    if (entry) entry.revoked = true;
  }

  /** Simulates a slow channels service (tests of the authorize timeout). */
  authorizeDelayMs = 0;

  async authorize(streamKey: string, context: PublishContext): Promise<PublishAuthorization> {
    if (this.authorizeDelayMs > 0) await new Promise((r) => setTimeout(r, this.authorizeDelayMs));
    const result = this.decide(streamKey, context.nodeId);
    this.authorizeResults.push(result);
    return result;
  }

  private decide(streamKey: string, nodeId: string): PublishAuthorization {
    const entry = this.keys.get(streamKey);
    if (!entry) return { ok: false, reason: 'unknown stream key' };
    if (entry.revoked) return { ok: false, reason: 'stream key revoked' };
    const live = this.liveByChannel.get(entry.channelId);
    if (live) {
      const { sessionId, playbackId, record, nodeId: holder } = live;
      return {
        ok: false,
        reason: 'channel already live',
        holder: { sessionId, playbackId, record, nodeId: holder },
      };
    }
    const session = this.openSession({ channelId: entry.channelId, nodeId, record: entry.record });
    return {
      ok: true,
      sessionId: session.sessionId,
      playbackId: session.playbackId,
      record: entry.record,
      lowLatency: entry.lowLatency,
    };
  }

  /** A live session as `authorize` opens it; also how a test fakes what a crashed node left behind. */
  openSession(options: { nodeId: string; record?: boolean; channelId?: string }): IssuedSession {
    const session: IssuedSession = {
      sessionId: randomUUID(),
      playbackId: randomBytes(12).toString('base64url'),
      channelId: options.channelId ?? randomUUID(),
      nodeId: options.nodeId,
      record: options.record ?? false,
    };
    this.liveByChannel.set(session.channelId, session);
    this.issued.push(session);
    return session;
  }

  async ended(sessionId: string, info: SessionEndInfo): Promise<void> {
    this.endedCalls.push({ sessionId, ...info });
    for (const [channelId, s] of this.liveByChannel) {
      if (s.sessionId !== sessionId) continue;
      this.liveByChannel.delete(channelId);
      this.endedStates.set(s.playbackId, info.recorded ? 'recorded' : 'ended');
    }
  }

  async heldSessions(nodeId: string): Promise<HeldSession[]> {
    return [...this.liveByChannel.values()]
      .filter((s) => s.nodeId === nodeId)
      .map(({ sessionId, playbackId, record }) => ({ sessionId, playbackId, record }));
  }

  async liveSessionsOfOtherNodes(nodeId: string): Promise<(HeldSession & { nodeId: string })[]> {
    return [...this.liveByChannel.values()]
      .filter((s) => s.nodeId !== nodeId)
      .map(({ sessionId, playbackId, record, nodeId: holder }) => ({
        sessionId,
        playbackId,
        record,
        nodeId: holder,
      }));
  }

  async playbackStates(playbackIds: string[]): Promise<Map<string, PlaybackState>> {
    const live = new Set([...this.liveByChannel.values()].map((s) => s.playbackId));
    const states = new Map<string, PlaybackState>();
    for (const id of playbackIds) {
      const state = live.has(id) ? 'live' : this.endedStates.get(id);
      if (state) states.set(id, state);
    }
    return states;
  }

  async watchTerminations(terminate: (request: TerminationRequest) => Promise<unknown>): Promise<() => void> {
    this.terminators.add(terminate);
    return () => this.terminators.delete(terminate);
  }

  /** What the channels service does on `user.suspended` or `stream.key_revoked`: asks the node to cut a session. */
  async requestTermination(sessionId: string, reason: string): Promise<void> {
    await Promise.all([...this.terminators].map((terminate) => terminate({ sessionId, reason })));
  }
}
