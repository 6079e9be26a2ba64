/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, a free port) that keeps every message it
 * receives, decoded enough to read subjects, bodies and links.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope sender and recipients, as the client gave them in MAIL FROM / RCPT TO. */
  envelope: { from: string; to: string[] };
  /** The user the client logged in as, when it did. */
  authUser: string | undefined;
  /** Header names lower-cased; folded lines joined. */
  headers: Map<string, string>;
  subject: string;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part, when there is one. */
  html: string | undefined;
  raw: string;
}

export interface TestSmtpServerOptions {
  /** Require this login (PLAIN or LOGIN); without it any client may send. */
  auth?: { user: string; pass: string };
  /** Implicit TLS (smtps://) with smtp-server's built-in self-signed certificate. */
  secure?: boolean;
  /** Reject RCPT TO for these addresses with 550, as a server refusing a recipient does. */
  rejectRecipients?: string[];
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://` or `smtps://` URL of this server, with the credentials when auth is on. */
  url: string;
  messages: ReceivedMail[];
  /** Polls until a message matches, or throws after `timeoutMs`. */
  waitForMail(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const rejected = new Set(options.rejectRecipients?.map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    secure: options.secure ?? false,
    // No STARTTLS on the plain port: the client would upgrade and then reject the self-signed cert.
    disabledCommands: options.secure ? [] : ['STARTTLS'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
        return;
      }
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        messages.push({ ...parseMail(raw), raw, envelope: { from, to }, authUser: session.user });
        callback(null);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    const listener = server.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
  });
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';
  const url = options.secure
    ? `smtps://${credentials}127.0.0.1:${port}?tls.rejectUnauthorized=false`
    : `smtp://${credentials}127.0.0.1:${port}`;

  return {
    port,
    url,
    messages,
    async waitForMail(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching email within ${timeoutMs} ms (got ${messages.length})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link of the `n`th email to `address` that mentions `path` (the page the email opens). */
export async function linkFromMail(
  smtp: TestSmtpServer,
  address: string,
  path: string,
  n = 1,
): Promise<string> {
  const withLink = () =>
    smtp.messages.filter((mail) => mail.envelope.to.includes(address) && mail.text.includes(path));
  await smtp.waitForMail(() => withLink().length >= n);
  const link = withLink()[n - 1]?.text.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error(`no link in the email to ${address}`);
  return link;
}

/** The first `?token=` value of a link in the text. */
export function tokenFromMail(mail: ReceivedMail, path: string): string {
  const match = mail.text.match(new RegExp(`${path.replace(/[/]/g, '\\/')}\\?token=([A-Za-z0-9_%-]+)`));
  if (!match?.[1]) throw new Error(`no ${path}?token= link in:\n${mail.text}`);
  return decodeURIComponent(match[1]);
}

type ParsedMail = Pick<ReceivedMail, 'headers' | 'subject' | 'text' | 'html'>;

// Just enough MIME for what nodemailer sends: one level of multipart, quoted-printable or base64.
function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitEntity(raw);
  const parts = new Map<string, string>();
  const boundary = headers.get('content-type')?.match(/boundary="?([^";]+)"?/i)?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitEntity(chunk.replace(/^\r?\n/, ''));
      const type =
        (part.headers.get('content-type') ?? 'text/plain').split(';')[0]?.trim().toLowerCase() ?? '';
      parts.set(type, decodeBody(part.body, part.headers.get('content-transfer-encoding')));
    }
  } else {
    parts.set('text/plain', decodeBody(body, headers.get('content-transfer-encoding')));
  }
  return {
    headers,
    subject: headers.get('subject') ?? '',
    text: parts.get('text/plain') ?? '',
    html: parts.get('text/html'),
  };
}

function splitEntity(entity: string): { headers: Map<string, string>; body: string } {
  const end = entity.search(/\r?\n\r?\n/);
  const head = end === -1 ? entity : entity.slice(0, end);
  const body = end === -1 ? '' : entity.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable': {
      const bytes = body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n').trimEnd();
    }
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64')
        .toString('utf8')
        .replace(/\r\n/g, '\n')
        .trimEnd();
    default:
      return body.replace(/\r\n/g, '\n').trimEnd();
  }
}
