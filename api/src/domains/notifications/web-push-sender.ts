/**
 * Web Push through the `web-push` package: VAPID-signed, the payload encrypted for the browser (RFC
 * 8291, aes128gcm). A push service answering 404 or 410 says the subscription is gone.
 *
 * Two costs are paid once instead of per message (bench/notifications, docs/benchmarks.md): the VAPID
 * token, which RFC 8292 scopes to the push service's origin, not to a subscription, is signed once per
 * origin and reused until an hour before it expires; and connections to each push service are kept
 * alive. The payload encryption stays per message: RFC 8291 wants a new ECDH key pair for every one.
 */
import { Agent } from 'node:https';
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
/** A VAPID token's lifetime (RFC 8292 allows at most 24 h; web-push's default is 12 h). */
const VAPID_LIFETIME_SECONDS = 12 * 3600;
/** A cached token is signed again this long before it expires, so none is sent about to lapse. */
const VAPID_RENEW_BEFORE_SECONDS = 3600;
/** Open connections kept per push service: the sends of a busy worker share them. */
const SOCKETS_PER_SERVICE = 64;

export class WebPushSender implements PushSender {
  /** The `Authorization` header per push service origin, with the expiry of its token (seconds). */
  private readonly vapidHeaders = new Map<string, { authorization: string; expiresAt: number }>();
  /** One keep-alive agent, which pools connections per push service origin. */
  private readonly agent: Agent;

  constructor(
    private readonly settings: WebPushSettings,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.agent = settings.agent ?? new Agent({ keepAlive: true, maxSockets: SOCKETS_PER_SERVICE });
  }

  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome> {
    if (!target.keys) return 'gone';
    // `agent` is read by web-push (an https.Agent) though its type definitions leave it out. No
    // `vapidDetails`: web-push then signs nothing (no global keys are ever set) and sends the cached
    // `Authorization` header as it is.
    const options: webpush.RequestOptions & { agent: Agent } = {
      headers: { Authorization: this.authorizationFor(new URL(target.endpoint).origin) },
      TTL: TTL_SECONDS,
      contentEncoding: 'aes128gcm',
      timeout: this.settings.timeoutMs ?? 10_000,
      agent: this.agent,
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

  /** Closes the kept-alive connections (an agent passed in settings belongs to its owner). */
  close(): void {
    if (!this.settings.agent) this.agent.destroy();
  }

  /** `vapid t=<JWT for this origin>, k=<public key>`, signed again when the cached one nears expiry. */
  private authorizationFor(origin: string): string {
    const now = this.nowSeconds();
    const cached = this.vapidHeaders.get(origin);
    if (cached && cached.expiresAt - VAPID_RENEW_BEFORE_SECONDS > now) return cached.authorization;
    const expiresAt = now + VAPID_LIFETIME_SECONDS;
    const { Authorization } = webpush.getVapidHeaders(
      origin,
      this.settings.subject,
      this.settings.publicKey,
      this.settings.privateKey,
      'aes128gcm',
      expiresAt,
    );
    this.vapidHeaders.set(origin, { authorization: Authorization, expiresAt });
    return Authorization;
  }
}
