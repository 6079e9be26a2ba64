/**
 * Notification emails end to end: the durable event, the consumer, the `notifications.deliver` job and
 * nodemailer to a real SMTP server in the test. The message is read (text, HTML, RFC 8058 headers) and
 * its unsubscribe link followed without signing in; a permanent SMTP refusal is recorded, not retried.
 */
import { NotificationPreferencesSchema, UnsubscribedSchema } from '@streamhub/contracts/notifications';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createSmtpMailer } from '../../mail/smtp-mailer.ts';
import { moduleJobHandlers } from '../../modules/run-modules.ts';
import { MODULES } from '../../modules.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import {
  type ReceivedMail,
  startTestSmtpServer,
  type TestSmtpServer,
} from '../../testing/smtp-test-server.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { NotificationsRepository } from './notifications.repository.ts';

const PUBLIC_URL = 'https://streams.example.test';

describe('notification emails over real SMTP', () => {
  let smtp: TestSmtpServer;
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;
  let refused: SignedInUser;

  beforeAll(async () => {
    smtp = await startTestSmtpServer({ rejectRecipients: ['refused_mailbox@example.test'] });
    backends = await createTestBackends('pglite');
    deps = backends.deps(
      {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        INSTANCE_NAME: 'Example Streams',
        MAIL_FROM: 'Example <no-reply@example.test>',
      },
      {},
      { abusePolicy: MANY_LOGINS_POLICY },
    );
    app = createApp(deps).app;
    const mailer = createSmtpMailer({ url: smtp.url, from: deps.config.mail.from });
    await backends.jobs.start(
      moduleJobHandlers(MODULES, deps.services, {
        config: deps.config,
        logger: deps.logger,
        events: backends.events,
        media: createMediaStorage({ dataDir: deps.config.dataDir }),
        mailer,
      }),
    );
    outbox = await startTestOutbox(backends, deps);
    refused = await registerAndLogin(app, backends, { username: 'refused_mailbox' });
  });
  afterAll(async () => {
    await outbox.close();
    await backends.close();
    await smtp.close();
  });

  const mailTo = (user: SignedInUser, subject: RegExp) =>
    smtp.waitForMail(
      (mail) => mail.envelope.to.includes(user.account.email) && subject.test(mail.subject),
      10_000,
    );
  const emailOn = async (user: SignedInUser, type: string) =>
    expect(
      (
        await app.request(
          `/api/v1/notifications/preferences/types/${type}`,
          send('PATCH', { email: true }, user),
        )
      ).status,
    ).toBe(200);
  /** The path and query of an absolute URL on this instance, for `app.request`. */
  const onInstance = (url: string) => {
    expect(url.startsWith(`${PUBLIC_URL}/`)).toBe(true);
    return url.slice(PUBLIC_URL.length);
  };
  const unsubscribeHeader = (mail: ReceivedMail) => {
    const header = mail.headers.get('list-unsubscribe') ?? '';
    const match = /^<([^>]+)>$/.exec(header);
    if (!match?.[1]) throw new Error(`no List-Unsubscribe URL in ${JSON.stringify(header)}`);
    return match[1];
  };

  it('emails a new follower in text and HTML with the instance name, and one click unsubscribes without signing in', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    await emailOn(channel.owner, 'channel.follower');
    const fan = await registerAndLogin(app, backends);
    await app.request(`/api/v1/channels/${channel.slug}/follow`, send('PUT', undefined, fan));

    const mail = await mailTo(channel.owner, /New follower/);
    expect(mail.subject).toBe('New follower | Example Streams');
    expect(mail.headers.get('from')).toContain('no-reply@example.test');
    expect(mail.text).toContain(`${fan.account.username} now follows your channel.`);
    expect(mail.text).toContain(`${PUBLIC_URL}/c/${channel.slug}`);
    expect(mail.text).toContain(`Example Streams <${PUBLIC_URL}>`);
    expect(mail.html).toContain(`<a href="${PUBLIC_URL}/c/${channel.slug}">`);
    expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // What a mail client does for "unsubscribe" (RFC 8058): a POST of this body, no cookie, no token.
    const oneClick = await app.request(onInstance(unsubscribeHeader(mail)), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(await expectJson(oneClick, UnsubscribedSchema)).toEqual({
      type: 'channel.follower',
      email: false,
    });
    const preferences = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, channel.owner)),
      NotificationPreferencesSchema,
    );
    expect(preferences.types.find((entry) => entry.type === 'channel.follower')).toMatchObject({
      inApp: true,
      email: false,
    });

    // The next follower is in the feed, and its notification is not emailed.
    const second = await registerAndLogin(app, backends);
    await app.request(`/api/v1/channels/${channel.slug}/follow`, send('PUT', undefined, second));
    const repository = new NotificationsRepository(backends.database.db);
    const deadline = Date.now() + 10_000;
    let rows = await repository.page(channel.owner.account.id, { limit: 10, unread: false });
    while (rows.items.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      rows = await repository.page(channel.owner.account.id, { limit: 10, unread: false });
    }
    expect(rows.items.map((row) => [row.data.username, row.email])).toEqual([
      [second.account.username, false],
      [fan.account.username, true],
    ]);
  });

  it('the link page asks first, then unsubscribes on its form, without signing in', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    await emailOn(channel.owner, 'channel.follower');
    await app.request(
      `/api/v1/channels/${channel.slug}/follow`,
      send('PUT', undefined, await registerAndLogin(app, backends)),
    );
    const mail = await mailTo(channel.owner, /New follower/);
    const pageLink = /(https:\/\/\S+\/notifications\/unsubscribe\?token=\S+)/.exec(mail.text)?.[1];
    if (!pageLink) throw new Error(`no unsubscribe link in ${mail.text}`);
    expect(mail.html).toContain(pageLink);

    const page = await app.request(onInstance(pageLink));
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Stop emails about &quot;new followers&quot; from Example Streams?');
    // Opening the page changed nothing.
    const before = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, channel.owner)),
      NotificationPreferencesSchema,
    );
    expect(before.types.find((entry) => entry.type === 'channel.follower')?.email).toBe(true);

    const action = /<form method="post" action="([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&');
    if (!action) throw new Error('no form on the page');
    const done = await app.request(action, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('you will get no more emails about &quot;new followers&quot;');
    const after = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, channel.owner)),
      NotificationPreferencesSchema,
    );
    expect(after.types.find((entry) => entry.type === 'channel.follower')?.email).toBe(false);
  });

  it('refuses a forged or foreign token', async () => {
    await expectProblem(
      await app.request('/api/v1/notifications/unsubscribe?token=not.a.token', { method: 'POST' }),
      400,
      'invalid_unsubscribe_token',
    );
    await expectProblem(
      await app.request('/api/v1/notifications/unsubscribe', { method: 'POST' }),
      422,
      'validation_failed',
    );
    // A token of another kind (an access token) signed by the same keys is not an unsubscribe token.
    const user = await registerAndLogin(app, backends);
    await expectProblem(
      await app.request(`/api/v1/notifications/unsubscribe?token=${user.accessToken}`, { method: 'POST' }),
      400,
      'invalid_unsubscribe_token',
    );
    const page = await app.request('/notifications/unsubscribe?token=forged');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('This unsubscribe link is not valid.');
  });

  it('a security notice is emailed without an unsubscribe header, whatever the preferences', async () => {
    const user = await registerAndLogin(app, backends);
    await deps.services.users.suspend(null, user.account.id);
    const mail = await mailTo(user, /suspended/);
    expect(mail.subject).toBe('Your account was suspended | Example Streams');
    expect(mail.headers.has('list-unsubscribe')).toBe(false);
    expect(mail.text).toContain('Security notices are always sent.');
  });

  it('holds emails for an hourly digest and sends what waits as one message, once per hour', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    await emailOn(channel.owner, 'channel.follower');
    const digest = await app.request(
      '/api/v1/notifications/preferences/email-digest',
      send('PUT', { emailDigest: 'hourly' }, channel.owner),
    );
    expect(digest.status).toBe(204);
    const fans = [await registerAndLogin(app, backends), await registerAndLogin(app, backends)];
    for (const fan of fans) {
      await app.request(`/api/v1/channels/${channel.slug}/follow`, send('PUT', undefined, fan));
    }
    const repository = new NotificationsRepository(backends.database.db);
    const deadline = Date.now() + 10_000;
    while ((await repository.page(channel.owner.account.id, { limit: 5, unread: false })).items.length < 2) {
      if (Date.now() > deadline) throw new Error('the follows were not notified');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // Notification emails only (sign-up sent the address a verification link too).
    const toOwner = () =>
      smtp.messages.filter(
        (mail) =>
          mail.envelope.to.includes(channel.owner.account.email) &&
          /follower|notifications/.test(mail.subject),
      );
    expect(toOwner()).toEqual([]);

    const now = new Date();
    expect(await deps.services.notifications.sweepDigests(now)).toBeGreaterThanOrEqual(1);
    const mail = await mailTo(channel.owner, /2 new notifications/);
    expect(mail.subject).toBe('2 new notifications on Example Streams');
    for (const fan of fans) expect(mail.text).toContain(`${fan.account.username} now follows your channel.`);
    expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    // Within the hour nothing more goes out, even with a new notification waiting.
    await app.request(
      `/api/v1/channels/${channel.slug}/follow`,
      send('PUT', undefined, await registerAndLogin(app, backends)),
    );
    while ((await repository.page(channel.owner.account.id, { limit: 5, unread: false })).items.length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await deps.services.notifications.sweepDigests(new Date(now.getTime() + 30 * 60_000))).toBe(0);
    expect(await deps.services.notifications.sweepDigests(new Date(now.getTime() + 61 * 60_000))).toBe(1);
    await smtp.waitForMail(
      (m) => m.envelope.to.includes(channel.owner.account.email) && /New follower/.test(m.subject),
    );
    expect(toOwner()).toHaveLength(2);
  });

  it('records a permanent SMTP refusal (550) once instead of retrying it', async () => {
    await deps.services.users.suspend(null, refused.account.id);
    const repository = new NotificationsRepository(backends.database.db);
    const deadline = Date.now() + 10_000;
    let delivery: Awaited<ReturnType<NotificationsRepository['deliveryOf']>>;
    for (;;) {
      const [notification] = (await repository.page(refused.account.id, { limit: 1, unread: false })).items;
      delivery = notification ? await repository.deliveryOf(notification.id, 'email') : undefined;
      if (delivery || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery?.detail).toContain('550');
    // The job's back-off is 5 s: had it been retried, a second attempt would be recorded by then.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const [notification] = (await repository.page(refused.account.id, { limit: 1, unread: false })).items;
    expect(await repository.deliveryOf(notification?.id ?? '', 'email')).toMatchObject({ attempts: 1 });
  }, 20_000);
});
