/**
 * Tipping and subscribing from a channel's page in a real browser, against a local server speaking
 * Stripe's API: a signed-out viewer who clicks Tip is sent to sign in and back, fills the tip form and is
 * sent to the Checkout URL Stripe returned; Subscribe lists the channel's tiers and does the same. The
 * page passes axe-core at 375 and 1280 px, light and dark, with both panels open.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeApiServer, startStripeApiServer } from '../domains/payments/testing/stripe-api-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  seriousViolations,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';

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
        STRIPE_API_URL: stripe.url,
      });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      const streamer = await signUp(STREAMER);
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

    async function signInAt(page: import('playwright-core').Page, path: string): Promise<void> {
      await page.goto(`${base}/sign-in?next=${encodeURIComponent(path)}`);
      await page.getByLabel('Email').fill(VIEWER.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}${path}`);
    }
  },
);
