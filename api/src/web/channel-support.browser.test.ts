/**
 * Tipping and subscribing from a channel's page in a real browser, against a local server speaking
 * Stripe's API: a signed-out viewer who clicks Tip is sent to sign in and back, fills the tip form and is
 * sent to the Checkout URL Stripe returned; Subscribe lists the channel's tiers and does the same. The
 * page passes axe-core at 375 and 1280 px, light and dark, with both panels open. Once Stripe's webhook
 * settles the tip, the streamer's `/studio/earnings` shows it, downloads the ledger as CSV and adds a tier;
 * its payouts panel sends the streamer to Stripe's Connect onboarding and, back from it, shows the
 * account enabled (read again from Stripe) and a payout Stripe reported.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { EarningsSchema } from '@streamhub/contracts/payments';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_WEBHOOK } from '../domains/payments/testing/payments-test-kit.ts';
import { type StripeApiServer, startStripeApiServer } from '../domains/payments/testing/stripe-api-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  seriousViolations,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';
import { formatMoney } from './i18n/payments.en.ts';

const PASSWORD = 'a long test password';
const STREAMER = { email: 'tipped@example.test', username: 'tipped' };
const VIEWER = { email: 'tipper@example.test', username: 'tipper' };
const SLUG = 'tip-jar';

describe.skipIf(!hasChromium)(
  `tips and subscriptions from the channel page, in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 120_000 },
  () => {
    let stripe: StripeApiServer;
    let server: PageGateway;
    let browser: Browser;
    let base: string;
    let streamerToken: string;

    const api = (path: string, method: string, body: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });

    async function signUp(user: { email: string; username: string }): Promise<string> {
      expect((await api('/api/v1/auth/register', 'POST', { ...user, password: PASSWORD })).status).toBe(201);
      const login = await api('/api/v1/auth/login', 'POST', { email: user.email, password: PASSWORD });
      return TokenPairSchema.parse(await login.json()).accessToken;
    }

    beforeAll(async () => {
      stripe = await startStripeApiServer();
      server = await startPageGateway({
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_CONNECT_WEBHOOK_SECRET: stripe.connectWebhookSecret,
        STRIPE_API_URL: stripe.url,
      });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      const streamer = await signUp(STREAMER);
      streamerToken = streamer;
      await signUp(VIEWER);
      expect((await api('/api/v1/channels', 'POST', { slug: SLUG, title: 'Tip jar' }, streamer)).status).toBe(
        201,
      );
      const tier = { name: 'Supporter', price: 400, currency: 'usd' };
      expect((await api('/api/v1/payments/tiers', 'POST', tier, streamer)).status).toBe(201);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
      await stripe?.close();
    });

    it('sends a signed-out viewer to sign in, then to Stripe Checkout for the tip they filled in', async () => {
      const { page, context, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${base}/c/${SLUG}`);
      await page.getByRole('button', { name: 'Tip', exact: true }).click();
      await page.waitForURL(/\/sign-in/);
      await page.getByLabel('Email').fill(VIEWER.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/c/${SLUG}`);

      const tip = page.getByRole('button', { name: 'Tip', exact: true });
      await tip.click();
      expect(await tip.getAttribute('aria-expanded')).toBe('true');
      await page.getByLabel('Amount').fill('5.50');
      await page.getByLabel('Message (optional)').fill('Great stream!');
      // Our pages' console only: the local Stripe has no Checkout page, so it answers the browser 401.
      expect(problems).toEqual([]);
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.waitForURL(`${stripe.url}/c/pay/**`);

      const [session] = [...stripe.sessions.values()];
      expect(page.url()).toBe(session?.url);
      expect(session).toMatchObject({ mode: 'payment', amount_total: 550, currency: 'usd' });
      await context.close();
    });

    it('lists the tiers under Subscribe and sends the viewer to Checkout for the chosen one', async () => {
      const { page, context } = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      await signInAt(page, `/c/${SLUG}`);
      await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
      const before = stripe.sessions.size;
      await page.getByRole('button', { name: 'Subscribe to Supporter, $4.00 a month' }).click();
      await page.waitForURL(`${stripe.url}/c/pay/**`);
      expect(stripe.sessions.size).toBe(before + 1);
      await context.close();
    });

    it('passes axe-core with both panels open at 375 and 1280 px, light and dark', async () => {
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const { page, context } = await watchedPage(browser, {
            viewport: { width, height: width < 600 ? 740 : 900 },
            colorScheme,
          });
          await signInAt(page, `/c/${SLUG}`);
          await page.getByRole('button', { name: 'Tip', exact: true }).click();
          await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
          await page.getByLabel('Amount').waitFor();
          expect(
            await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
            `${width}px`,
          ).toBe(true);
          for (const violation of await seriousViolations(page))
            found.push(`${width}px ${colorScheme}: ${violation}`);
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it('shows the settled tip on /studio/earnings, downloads the ledger as CSV and adds a tier', async () => {
      const [session] = [...stripe.sessions.values()].filter((checkout) => checkout.mode === 'payment');
      if (!session) throw new Error('the tip test made no checkout session');
      const raw = JSON.stringify(stripe.complete(session.id));
      const delivered = await fetch(`${base}${STRIPE_WEBHOOK}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': await stripe.sign(raw) },
        body: raw,
      });
      expect(delivered.status).toBe(200);
      // The ledger entry is booked by the outbox consumer, a moment after the webhook's answer.
      const balance = async () => {
        const response = await fetch(`${base}/api/v1/payments/earnings`, {
          headers: { Authorization: `Bearer ${streamerToken}` },
        });
        return EarningsSchema.parse(await response.json()).balances.find((line) => line.currency === 'usd');
      };
      await expect.poll(async () => (await balance())?.balance ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
      const settled = await balance();

      const { page, context, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
      });
      await signInAt(page, '/studio/earnings', STREAMER.email);
      await page.locator('#balances li').first().waitFor();
      expect(await page.locator('#balances').textContent()).toContain(
        formatMoney(settled?.balance ?? 0, 'usd'),
      );
      const tipLine = page.locator('#ledger-lines tr').filter({ hasText: 'tip' });
      expect(await tipLine.count()).toBe(1);

      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download all lines as CSV' }).click();
      expect((await download).suggestedFilename()).toBe('ledger.csv');

      await page.getByLabel('Name').fill('Patron');
      await page.getByLabel('Price per month').fill('12');
      await page.getByRole('button', { name: 'Add tier' }).click();
      await page.getByText('Tier added.').waitFor();
      const patron = page.locator('#tiers tr').filter({ hasText: 'Patron' });
      expect(await patron.textContent()).toContain('$12.00');
      await page.getByRole('button', { name: 'Deactivate Patron' }).click();
      await page.getByRole('button', { name: 'Activate Patron' }).waitFor();
      expect(problems).toEqual([]);
      await context.close();

      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const watched = await watchedPage(browser, {
            viewport: { width, height: width < 600 ? 740 : 900 },
            colorScheme,
          });
          await signInAt(watched.page, '/studio/earnings', STREAMER.email);
          await watched.page.locator('#tiers tr').first().waitFor();
          expect(
            await watched.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
            `${width}px`,
          ).toBe(true);
          for (const violation of await seriousViolations(watched.page)) {
            found.push(`earnings ${width}px ${colorScheme}: ${violation}`);
          }
          await watched.context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it('sends the streamer to Stripe Connect onboarding and, back from it, shows the account and its payouts', async () => {
      const { page, context, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
      });
      await signInAt(page, '/studio/earnings', STREAMER.email);
      await page.locator('#payouts-section').waitFor();
      expect(await page.locator('#connect-state').textContent()).toContain('set up payouts with Stripe');
      expect(await page.locator('#no-payouts').isVisible()).toBe(true);
      expect(problems).toEqual([]);
      await page.getByRole('button', { name: 'Set up payouts with Stripe' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${stripe.url}/setup/e/`));
      const [account] = [...stripe.accounts.values()];
      if (!account) throw new Error('no connected account was created');
      const link = stripe.accountLinks.at(-1);
      expect(link?.return_url).toBe(`${base}/studio/earnings?connect=return`);

      // The creator finishes Stripe's form (its account.updated is still on its way) and is paid out.
      stripe.finishOnboarding(account.id);
      const raw = JSON.stringify(stripe.payout(account.id, 300, 'usd'));
      const delivered = await fetch(`${base}${STRIPE_WEBHOOK}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': await stripe.sign(raw, { secret: stripe.connectWebhookSecret }),
        },
        body: raw,
      });
      expect(delivered.status).toBe(200);
      const payouts = async () => {
        const response = await fetch(`${base}/api/v1/payments/payouts`, {
          headers: { Authorization: `Bearer ${streamerToken}` },
        });
        return ((await response.json()) as { items: unknown[] }).items.length;
      };
      await expect.poll(payouts, { timeout: 15_000 }).toBe(1);

      await page.goto(`${base}/studio/earnings?connect=return`);
      await page.getByRole('button', { name: 'Update your Stripe details' }).waitFor();
      expect(await page.locator('#connect-state').textContent()).toContain('Stripe pays it out to your bank');
      const row = page.locator('#payouts tr');
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toContain(formatMoney(300, 'usd'));
      expect(await row.textContent()).toContain('Paid');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download all payouts as CSV' }).click();
      expect((await download).suggestedFilename()).toBe('payouts.csv');
      // The local Stripe has no onboarding page: it answered the browser's visit with one 401.
      expect(problems).toEqual([
        'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
      ]);
      await context.close();
    });

    it('offers the subscribers visibility in the studio video edit form, not in the upload form', async () => {
      const html = await (await fetch(`${base}/studio/videos`)).text();
      const editForm = html.slice(html.indexOf('id="video-edit-form"'));
      expect(editForm).toContain('<option value="subscribers">');
      // Once in the page: the upload form, which comes first, does not offer it.
      expect(html.split('<option value="subscribers">')).toHaveLength(2);
    });

    async function signInAt(
      page: import('playwright-core').Page,
      path: string,
      email = VIEWER.email,
    ): Promise<void> {
      await page.goto(`${base}/sign-in?next=${encodeURIComponent(path)}`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}${path}`);
    }
  },
);
