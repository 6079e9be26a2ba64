/**
 * Web Push through the `web-push` package: VAPID-signed, the payload encrypted for the browser (RFC
 * 8291, aes128gcm). A push service answering 404 or 410 says the subscription is gone.
 */
import type { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';
import type { PushMessage, PushOutcome, PushSender, PushTarget } from './push-port.ts';

export interface WebPushSettings {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact the push service may use. */
  subject: string;
  /** How requests reach the push services (tests: an agent trusting a local service's certificate). */
  agent?: Agent;
  timeoutMs?: number;
}

// Long enough to reach a phone that wakes up within the day; a go-live is stale after that.
const TTL_SECONDS = 24 * 3600;

export class WebPushSender implements PushSender {
  constructor(private readonly settings: WebPushSettings) {}

  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome> {
    if (!target.keys) return 'gone';
    // `agent` is read by web-push (an https.Agent) though its type definitions leave it out.
    const options: webpush.RequestOptions & { agent?: Agent } = {
      vapidDetails: {
        subject: this.settings.subject,
        publicKey: this.settings.publicKey,
        privateKey: this.settings.privateKey,
      },
      TTL: TTL_SECONDS,
      contentEncoding: 'aes128gcm',
      timeout: this.settings.timeoutMs ?? 10_000,
      ...(this.settings.agent ? { agent: this.settings.agent } : {}),
    };
    try {
      await webpush.sendNotification(
        { endpoint: target.endpoint, keys: target.keys },
        JSON.stringify(message),
        options,
      );
      return 'sent';
    } catch (error) {
      if (error instanceof WebPushError && (error.statusCode === 404 || error.statusCode === 410))
        return 'gone';
      throw error;
    }
  }
}
