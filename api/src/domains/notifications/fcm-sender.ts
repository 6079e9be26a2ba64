/**
 * FCM through `firebase-admin` (HTTP v1 send API) for mobile apps. A token FCM says is unregistered or
 * invalid is `gone`, and deleted by the caller.
 */
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { type App, type Credential, cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import type { PushMessage, PushOutcome, PushSender, PushTarget } from './push-port.ts';

// firebase-admin's codes for a registration token that will never work again.
const GONE = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);

export interface FcmOptions {
  credential: Credential;
  projectId: string;
  /** How requests reach FCM (tests: an agent that connects to a local server answering as FCM). */
  httpAgent?: Agent;
}

let apps = 0;

export class FcmSender implements PushSender {
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(options: FcmOptions) {
    // A named app of its own, so several senders (tests, reloads) never share firebase-admin's default.
    apps += 1;
    this.app = initializeApp(
      {
        credential: options.credential,
        projectId: options.projectId,
        ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
      },
      `streamhub-fcm-${apps}`,
    );
    this.messaging = getMessaging(this.app);
  }

  /** A sender from a Firebase service account's JSON file (FCM_SERVICE_ACCOUNT_FILE). */
  static fromServiceAccountFile(file: string): FcmSender {
    const account = JSON.parse(readFileSync(file, 'utf8')) as { project_id: string };
    return new FcmSender({ credential: cert(file), projectId: account.project_id });
  }

  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome> {
    try {
      await this.messaging.send({
        token: target.endpoint,
        notification: { title: message.title, body: message.body },
        data: { url: message.url, tag: message.tag },
        android: { collapseKey: message.tag },
      });
      return 'sent';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && GONE.has(code)) return 'gone';
      throw error;
    }
  }

  close(): Promise<void> {
    return deleteApp(this.app);
  }
}
