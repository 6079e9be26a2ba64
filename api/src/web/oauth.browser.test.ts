/**
 * Signing in with GitHub and with Google in a real browser (Debian's chromium through playwright-core)
 * against a local provider (testing/fake-oauth-provider.ts, pointed at by the GITHUB_* and GOOGLE_*
 * URL settings): the button on the sign-in page (pressed with Enter), the provider's consent page, back
 * to StreamHub signed in, with the account menu naming the user; and a login cancelled at the provider,
 * which ends on the sign-in page with a message saying so.
 */
import type { OAuthProviderName } from '@streamhub/contracts/oauth';
import { freePort } from '@streamhub/infra/shared/free-port';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOAuthProvider, startFakeOAuthProvider } from '../testing/fake-oauth-provider.ts';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  saveScreenshot,
  seriousViolations,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';

const LABELS: Record<OAuthProviderName, string> = { github: 'GitHub', google: 'Google' };

describe.skipIf(!hasChromium)(
  `signing in with GitHub and Google in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    let server: PageGateway;
    // The gateway's address, chosen before it starts (PageGateway's `base` is the kit's own pick).
    let base: string;
    let provider: FakeOAuthProvider;
    let browser: Browser;

    beforeAll(async () => {
      // The provider checks redirect_uri against the gateway's address, so that address comes first.
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      provider = await startFakeOAuthProvider({ publicUrl: base, consentPage: true });
      server = await startPageGateway({ PORT: String(port), PUBLIC_URL: base, ...provider.env() });
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
      await provider?.close();
    });

    it.each(['github', 'google'] as const)(
      'signs in with %s: the button, the consent page, back signed in with the account menu naming the user',
      async (name) => {
        const label = LABELS[name];
        const login = `${name}_person`;
        provider.setUser(name, {
          id: name === 'github' ? '4242' : 'google-sub-4242',
          ...(name === 'github' ? { login } : {}),
          name: `${label} Person`,
          email: `${name}.person@example.test`,
          emailVerified: true,
        });
        const { page, problems, elsewhere } = await watchedPage(browser, {
          viewport: { width: 1280, height: 800 },
        });
        await page.goto(`${base}/sign-in?next=${encodeURIComponent('/settings')}`);
        // Enter, as a keyboard user would; playwright's click() on a navigating link runs an eval in the
        // page, which its CSP reports.
        await page.getByRole('link', { name: `Sign in with ${label}` }).press('Enter');

        // The provider's own page, on its own origin.
        await page.waitForURL(`${provider.url}/**`);
        expect(await page.getByText(`with ${label}`).textContent()).toContain(
          name === 'github' ? login : `${name}.person@example.test`,
        );
        await page.getByRole('button', { name: 'Authorize' }).click();

        // Back at StreamHub, at the page the sign-in was asked from, signed in.
        await page.waitForURL(`${base}/settings`);
        const account = page.locator('#account-name');
        await account.waitFor();
        await expect.poll(() => account.textContent()).toContain(`${label} Person`);
        expect(await page.locator('#account-signed-in').isVisible()).toBe(true);
        expect(await page.locator('#account-signed-out').isVisible()).toBe(false);
        // The tokens came in the fragment, which the sign-in page took out of the address and history.
        expect(page.url()).not.toContain('access_token');
        expect(problems).toEqual([]);
        expect(elsewhere).toEqual([]);
        expect(await seriousViolations(page)).toEqual([]);
      },
    );

    it('says on the sign-in page that the login was cancelled at the provider', async () => {
      provider.setUser('github', {
        id: '5151',
        login: 'refuser',
        email: 'refuser@example.test',
        emailVerified: true,
      });
      const { page, problems } = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await page.goto(`${base}/sign-in`);
      await page.getByRole('link', { name: 'Sign in with GitHub' }).press('Enter');
      await page.waitForURL(`${provider.url}/**`);
      await page.getByRole('button', { name: 'Cancel' }).click();

      await page.waitForURL(`${base}/sign-in`);
      const alert = page.getByRole('alert');
      await expect
        .poll(() => alert.textContent())
        .toBe('Signing in with GitHub was cancelled or refused. Try again, or sign in with your password.');
      expect(await page.locator('#account-signed-out').isVisible()).toBe(true);
      expect(page.url()).toBe(`${base}/sign-in`);
      expect(problems).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'sign-in-oauth-cancelled-375');
    });
  },
);
