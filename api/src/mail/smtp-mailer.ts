/**
 * The Mailer over SMTP (nodemailer). SMTP_URL says everything: `smtp://` (STARTTLS when offered) or
 * `smtps://` (TLS from the start), credentials as the URL's percent-encoded user and password, and
 * nodemailer's options as query parameters (`?requireTLS=true`, `?tls.rejectUnauthorized=false`,
 * `?pool=false` for a connection per message).
 */
import { NonRetryableError } from '@streamhub/infra/jobs/port';
import { createTransport } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Mailer } from './mailer.ts';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://user:pass@host:465`. */
  url: string;
  /** The From header, e.g. `StreamHub <no-reply@example.com>`. */
  from: string;
}

// nodemailer waits minutes by default; an unreachable server should fail the attempt well within
// the `email.send` job's time limit, so the queue's back-off decides when to try again.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

// One pool of kept SMTP connections per process instead of a connection (greeting, EHLO, STARTTLS,
// login) per message: a burst of notification emails reuses them (bench/notifications). A connection is
// replaced after `maxMessages`, as many servers limit the messages of one session.
const POOL = { pool: true, maxConnections: 5, maxMessages: 100 };

// Refusals of this very message (recipient or content) that no retry can change. Failed logins stay
// retryable: they are fixed by correcting SMTP_URL, and the queued mail should survive that.
const MESSAGE_REFUSED = new Set(['EENVELOPE', 'EMESSAGE']);

export function createSmtpMailer({ url, from }: SmtpMailerOptions): Mailer {
  // Query parameters of the URL win over these defaults.
  const transport = createTransport({ ...TIMEOUTS, ...POOL, ...parseConnectionUrl(url) }, { from });
  return {
    send: async (message) => {
      try {
        await transport.sendMail(message);
      } catch (error) {
        const { code, permanent } = error as { code?: string; permanent?: boolean };
        if (permanent === true && code !== undefined && MESSAGE_REFUSED.has(code)) {
          throw new NonRetryableError(`The mail server refused the message: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },
    close: async () => transport.close(),
  };
}
