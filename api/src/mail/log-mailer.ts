/** Development mailer used when SMTP_URL is unset: the message (links included) goes to the log. */
import type { Logger } from '@streamhub/logger/logger';
import type { Mailer } from './mailer.ts';

export function createLogMailer(logger: Logger): Mailer {
  return {
    send: async (message) => {
      logger.info(
        { mail: { to: message.to, subject: message.subject, text: message.text } },
        'email (SMTP_URL unset, not sent)',
      );
    },
    close: async () => {},
  };
}
