/**
 * The one push port (docs/notifications.md, Push): whatever carries a notification to a device, Web Push
 * for browsers or FCM for mobile apps. An adapter answers `gone` for a subscription the provider says
 * no longer exists (Web Push 404/410, FCM's unregistered or invalid token), which is then deleted; any
 * other failure throws, and the delivery job retries.
 */

/** A registered device, as stored. */
export interface PushTarget {
  kind: 'webpush' | 'fcm';
  /** The Web Push endpoint, or the FCM registration token. */
  endpoint: string;
  /** Web Push only: the browser's keys. */
  keys: { p256dh: string; auth: string } | undefined;
}

/** What a device shows. */
export interface PushMessage {
  title: string;
  body: string;
  /** Absolute URL opened on a click. */
  url: string;
  /** The notification's id, so a device can collapse repeats. */
  tag: string;
}

export type PushOutcome = 'sent' | 'gone';

export interface PushSender {
  send(target: PushTarget, message: PushMessage): Promise<PushOutcome>;
}

/** Sends through the sender of each target's kind; a kind with none configured is skipped. */
export class PushPort {
  constructor(private readonly senders: Partial<Record<PushTarget['kind'], PushSender>>) {}

  /** False when no sender of this kind is configured (nothing was tried). */
  supports(kind: PushTarget['kind']): boolean {
    return this.senders[kind] !== undefined;
  }

  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome | 'unsupported'> {
    const sender = this.senders[target.kind];
    return sender ? sender.send(target, message) : 'unsupported';
  }
}
