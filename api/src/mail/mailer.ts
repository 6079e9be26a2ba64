/** The mail port: services hand messages to the `email.send` job, whose handler calls a Mailer. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra header fields, e.g. `List-Unsubscribe` (notification emails). */
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Rejects when the message could not be handed to the mail server, so the job retries. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
