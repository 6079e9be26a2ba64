/**
 * The pages the emailed links open, in a real browser (Debian's chromium through playwright-core),
 * end to end: a gateway on the embedded defaults sends its emails to a real SMTP server, the test
 * opens the link from the received email, and the flow completes through the API.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { MyAccountSchema } from '@streamhub/contracts/users';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromMail, startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const NEW_PASSWORD = 'another long password';

describe.skipIf(!hasChromium)(
  `the email link pages in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 120_000 },
  () => {
    let smtp: TestSmtpServer;
    let server: PageGateway;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      smtp = await startTestSmtpServer();
      server = await startPageGateway({ SMTP_URL: smtp.url });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
      await smtp?.close();
    });

    async function post(path: string, body: unknown, token?: string): Promise<Response> {
      return fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    }

    async function login(email: string, password: string): Promise<Response> {
      return post('/api/v1/auth/login', { email, password });
    }

    async function account(email: string, password: string) {
      const { accessToken } = TokenPairSchema.parse(await (await login(email, password)).json());
      const me = await fetch(`${base}/api/v1/me`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      return MyAccountSchema.parse(await me.json());
    }

    /** The link of the `n`th email to `address` whose link goes to `path` (the page the email opens). */
    async function pageLinkFromMail(address: string, path: string, n = 1): Promise<string> {
      const link = await linkFromMail(smtp, address, path, n);
      expect(new URL(link).pathname).toBe(path);
      return link;
    }

    const visibleText = async (page: Page, selector: string) =>
      (await page.locator(selector).allInnerTexts()).join('');

    it('verifies the address from the registration email', async () => {
      const email = 'verify@example.test';
      const registered = await post('/api/v1/auth/register', {
        email,
        username: 'verifier',
        password: PASSWORD,
      });
      expect(registered.status).toBe(201);
      expect((await account(email, PASSWORD)).emailVerified).toBe(false);
      const link = await pageLinkFromMail(email, '/verify-email');

      const { context, page, elsewhere, problems } = await watchedPage(browser);
      await page.goto(link);
      expect(await page.title()).toBe('Verify your email address · StreamHub');
      // Nothing is spent by opening the link: a mail scanner that fetches it verifies nothing.
      await page.getByRole('button', { name: 'Verify my address' }).waitFor();
      expect((await account(email, PASSWORD)).emailVerified).toBe(false);

      await page.getByRole('button', { name: 'Verify my address' }).click();
      await page.getByRole('status').filter({ hasText: 'verified' }).waitFor();
      expect(await visibleText(page, '#account-message')).toBe(
        'Your email address is verified. You can close this page.',
      );
      expect(await page.isHidden('#verify-email-form')).toBe(true);
      expect((await account(email, PASSWORD)).emailVerified).toBe(true);

      // The same link again: spent, and the page says so with the API's own words.
      await page.goto(link);
      await page.getByRole('button', { name: 'Verify my address' }).click();
      await page.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
      expect(await visibleText(page, '#account-error')).toBe(
        'The link is invalid, was already used or has expired; ask for a new one.',
      );

      // A link that lost its token (a mail client that cut it) says so, with nothing to press.
      await page.goto(`${base}/verify-email`);
      await page.getByRole('alert').filter({ hasText: 'incomplete' }).waitFor();
      expect(await page.isHidden('#verify-email-form')).toBe(true);

      expect(elsewhere).toEqual([]);
      // The spent token's 400 is the only error the console saw.
      expect(problems.filter((problem) => !/status of 400/.test(problem))).toEqual([]);
      await context.close();
    });

    it('sets a new password from the reset email, with the API refusing a weak one', async () => {
      const email = 'reset@example.test';
      expect(
        (await post('/api/v1/auth/register', { email, username: 'resetter', password: PASSWORD })).status,
      ).toBe(201);
      expect((await post('/api/v1/auth/password-reset/request', { email })).status).toBe(202);
      const link = await pageLinkFromMail(email, '/reset-password');

      const { context, page, elsewhere, problems } = await watchedPage(browser);
      await page.goto(link);
      expect(await page.title()).toBe('Choose a new password · StreamHub');
      const password = page.getByLabel('New password', { exact: true });
      const confirm = page.getByLabel('Repeat the new password');
      const submit = page.getByRole('button', { name: 'Set the new password' });

      // Two different passwords never reach the API.
      await password.fill(NEW_PASSWORD);
      await confirm.fill(`${NEW_PASSWORD}!`);
      await submit.click();
      await page.getByRole('alert').filter({ hasText: 'differ' }).waitFor();

      // Long enough for the browser, refused by the API's policy: its problem detail is shown.
      await password.fill('abababababab');
      await confirm.fill('abababababab');
      await submit.click();
      await page.getByRole('alert').filter({ hasText: 'repetitive' }).waitFor();
      expect(await visibleText(page, '#account-error')).toBe(
        'The request has invalid fields. Password is too repetitive.',
      );
      expect((await login(email, PASSWORD)).status).toBe(200);

      await password.fill(NEW_PASSWORD);
      await confirm.fill(NEW_PASSWORD);
      await submit.click();
      await page.getByRole('status').filter({ hasText: 'password is set' }).waitFor();
      expect(await page.isHidden('#reset-password-form')).toBe(true);

      expect((await login(email, NEW_PASSWORD)).status).toBe(200);
      expect((await login(email, PASSWORD)).status).toBe(401);

      expect(elsewhere).toEqual([]);
      // The refused password's 422 is the only error the console saw.
      expect(problems.filter((problem) => !/status of 422/.test(problem))).toEqual([]);
      await context.close();
    });
  },
);
