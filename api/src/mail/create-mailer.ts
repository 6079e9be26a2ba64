/** Picks the process's Mailer: SMTP when SMTP_URL is set, else the development log mailer. */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import { createLogMailer } from './log-mailer.ts';
import type { Mailer } from './mailer.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

export function createMailer(mail: Config['mail'], logger: Logger): Mailer {
  if (mail.smtpUrl) {
    // The host only: the URL may carry the password.
    logger.info({ smtpHost: new URL(mail.smtpUrl).host }, 'sending email over SMTP');
    return createSmtpMailer({ url: mail.smtpUrl, from: mail.from });
  }
  logger.warn(
    'SMTP_URL is unset: emails (verification and reset links included) are written to the log, not sent',
  );
  return createLogMailer(logger);
}
