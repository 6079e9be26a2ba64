/** The texts of the identity emails, as pure functions of what they mention (testable without a mailer). */

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface LinkEmailInput {
  /**
   * Whom we greet: the username (letters, digits, _), not the free-text display name, which whoever
   * registered with someone else's address could fill with a phishing message.
   */
  username: string;
  link: string;
  /** How long the link works, in whole hours for the text. */
  validHours: number;
}

/** `${publicUrl}${path}?token=…`; the token is base64url, so it needs no escaping, but stay safe. */
export function tokenLink(
  publicUrl: string,
  path: '/verify-email' | '/reset-password',
  token: string,
): string {
  return `${publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

export function verificationEmail({ username, link, validHours }: LinkEmailInput): EmailContent {
  return {
    subject: 'Confirm your email address for StreamHub',
    text: [
      `Hi ${username},`,
      '',
      'Please confirm that this is your email address by opening this link:',
      '',
      link,
      '',
      `The link works once and expires in ${hours(validHours)}. If you did not create a StreamHub account, ignore this email.`,
    ].join('\n'),
    html: page([
      `Hi ${escapeHtml(username)},`,
      'Please confirm that this is your email address:',
      button(link, 'Confirm email address'),
      `The link works once and expires in ${hours(validHours)}. If you did not create a StreamHub account, ignore this email.`,
    ]),
  };
}

export function passwordResetEmail({ username, link, validHours }: LinkEmailInput): EmailContent {
  return {
    subject: 'Reset your StreamHub password',
    text: [
      `Hi ${username},`,
      '',
      'Someone (hopefully you) asked to set a new password for your StreamHub account. Open this link to choose one:',
      '',
      link,
      '',
      `The link works once and expires in ${hours(validHours)}. Setting a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n'),
    html: page([
      `Hi ${escapeHtml(username)},`,
      'Someone (hopefully you) asked to set a new password for your StreamHub account.',
      button(link, 'Choose a new password'),
      `The link works once and expires in ${hours(validHours)}. Setting a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ]),
  };
}

const hours = (n: number) => (n === 1 ? '1 hour' : `${n} hours`);

const page = (paragraphs: string[]) =>
  `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${paragraphs.map((p) => `<p>${p}</p>`).join('')}</body></html>`;

const button = (href: string, label: string) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
