import { Writable } from 'node:stream';
import { NonRetryableError } from '@streamhub/infra/jobs/port';
import { createLogger } from '@streamhub/logger/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
import { createMailer } from './create-mailer.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

const FROM = 'StreamHub <no-reply@streamhub.test>';
// Characters that must be percent-encoded in a URL's user and password.
const AUTH = { user: 'mailer@streamhub.test', pass: 'p@ss:w/rd %20 ü' };

const message = (to: string) => ({
  to,
  subject: 'Hello from the test',
  text: `A long line with a link that must survive encoding: https://streamhub.test/verify-email?token=${'A'.repeat(43)}`,
  html: '<p>Hi <b>there</b></p>',
});

describe('SMTP mailer', () => {
  let server: TestSmtpServer;
  beforeAll(async () => {
    server = await startTestSmtpServer({ auth: AUTH, rejectRecipients: ['nobody@streamhub.test'] });
  });
  afterAll(() => server.close());

  it('logs in with the credentials of the URL and delivers the message with the configured From', async () => {
    const mailer = createSmtpMailer({ url: server.url, from: FROM });
    await mailer.send(message('ada@streamhub.test'));
    await mailer.close();

    const mail = await server.waitForMail((m) => m.envelope.to.includes('ada@streamhub.test'));
    expect(mail.authUser).toBe(AUTH.user);
    expect(mail.envelope.from).toBe('no-reply@streamhub.test');
    expect(mail.headers.get('from')).toBe(FROM);
    expect(mail.headers.get('to')).toBe('ada@streamhub.test');
    expect(mail.subject).toBe('Hello from the test');
    expect(mail.text).toBe(message('x').text);
    expect(mail.html).toBe('<p>Hi <b>there</b></p>');
  });

  it('fails, retryably, when the password is wrong', async () => {
    const url = server.url.replace(encodeURIComponent(AUTH.pass), 'wrong');
    const mailer = createSmtpMailer({ url, from: FROM });
    const sent = mailer.send(message('bob@streamhub.test'));
    await expect(sent).rejects.toMatchObject({ code: 'EAUTH' });
    await expect(sent).rejects.not.toBeInstanceOf(NonRetryableError);
    await mailer.close();
  });

  it('fails for good (no retry) when the server refuses the recipient', async () => {
    const mailer = createSmtpMailer({ url: server.url, from: FROM });
    await expect(mailer.send(message('nobody@streamhub.test'))).rejects.toBeInstanceOf(NonRetryableError);
    await mailer.close();
  });

  it('fails, retryably, when no server listens', async () => {
    const idle = await startTestSmtpServer();
    const url = idle.url;
    await idle.close();
    const mailer = createSmtpMailer({ url, from: FROM });
    const sent = mailer.send(message('carol@streamhub.test'));
    await expect(sent).rejects.toThrow();
    await expect(sent).rejects.not.toBeInstanceOf(NonRetryableError);
    await mailer.close();
  });

  it('speaks implicit TLS for smtps:// and reads nodemailer options from the query', async () => {
    const tlsServer = await startTestSmtpServer({ secure: true, auth: AUTH });
    try {
      // The URL carries `?tls.rejectUnauthorized=false` for the server's self-signed certificate.
      const mailer = createSmtpMailer({ url: tlsServer.url, from: FROM });
      await mailer.send(message('dan@streamhub.test'));
      await mailer.close();
      const mail = await tlsServer.waitForMail((m) => m.envelope.to.includes('dan@streamhub.test'));
      expect(mail.authUser).toBe(AUTH.user);
    } finally {
      await tlsServer.close();
    }
  });
});

describe('createMailer', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: createLogger({ level: 'info', name: 'test', destination }) };
  };

  it('sends over SMTP when SMTP_URL is set, and never logs the password', async () => {
    const server = await startTestSmtpServer({ auth: AUTH });
    try {
      const { lines, logger } = capture();
      const mailer = createMailer({ smtpUrl: server.url, from: FROM }, logger);
      await mailer.send(message('erin@streamhub.test'));
      await mailer.close();
      await server.waitForMail((m) => m.envelope.to.includes('erin@streamhub.test'));
      expect(JSON.stringify(lines)).not.toContain(encodeURIComponent(AUTH.pass));
      expect(lines).toEqual([expect.objectContaining({ smtpHost: `127.0.0.1:${server.port}` })]);
    } finally {
      await server.close();
    }
  });

  it('writes the message, link included, to the log when SMTP_URL is unset', async () => {
    const { lines, logger } = capture();
    const mailer = createMailer({ smtpUrl: undefined, from: FROM }, logger);
    await mailer.send(message('frank@streamhub.test'));
    await expect
      .poll(() => lines.find((line) => line.mail !== undefined))
      .toMatchObject({ mail: { to: 'frank@streamhub.test', text: message('x').text } });
  });
});
