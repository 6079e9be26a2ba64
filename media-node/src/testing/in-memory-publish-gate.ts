/**
 * A real {@link PublishGate} backed by Maps, for tests and for running the
 * media node without the API (keys registered in code). Same rules as the
 * channels service: unknown or revoked key → refused; a channel already live → refused.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { PublishAuthorization, PublishGate, SessionEndInfo } from '../live/publish-gate.ts';

interface KeyEntry {
  channelId: string;
  record: boolean;
  revoked: boolean;
}

export interface IssuedSession {
  sessionId: string;
  playbackId: string;
  channelId: string;
}

export class InMemoryPublishGate implements PublishGate {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly liveByChannel = new Map<string, IssuedSession>();
  readonly issued: IssuedSession[] = [];
  readonly authorizeResults: PublishAuthorization[] = [];
  readonly endedCalls: { sessionId: string; recorded: boolean }[] = [];

  /** Registers a stream key for a channel; returns the key. */
  addKey(options: { channelId?: string; record?: boolean; key?: string } = {}): string {
    const key = options.key ?? randomBytes(18).toString('base64url');
    this.keys.set(key, {
      channelId: options.channelId ?? randomUUID(),
      record: options.record ?? false,
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

  async authorize(streamKey: string): Promise<PublishAuthorization> {
    if (this.authorizeDelayMs > 0) await new Promise((r) => setTimeout(r, this.authorizeDelayMs));
    const result = this.decide(streamKey);
    this.authorizeResults.push(result);
    return result;
  }

  private decide(streamKey: string): PublishAuthorization {
    const entry = this.keys.get(streamKey);
    if (!entry) return { ok: false, reason: 'unknown stream key' };
    if (entry.revoked) return { ok: false, reason: 'stream key revoked' };
    if (this.liveByChannel.has(entry.channelId)) return { ok: false, reason: 'channel already live' };
    const session: IssuedSession = {
      sessionId: randomUUID(),
      playbackId: randomBytes(12).toString('base64url'),
      channelId: entry.channelId,
    };
    this.liveByChannel.set(entry.channelId, session);
    this.issued.push(session);
    return { ok: true, sessionId: session.sessionId, playbackId: session.playbackId, record: entry.record };
  }

  async ended(sessionId: string, info: SessionEndInfo): Promise<void> {
    this.endedCalls.push({ sessionId, recorded: info.recorded });
    for (const [channelId, s] of this.liveByChannel)
      if (s.sessionId === sessionId) this.liveByChannel.delete(channelId);
  }
}
