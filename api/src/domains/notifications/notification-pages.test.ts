/** The notifications' pages as the gateway serves them: the bell in the header, the preferences page, the service worker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';

describe('notification pages', () => {
  let backends: TestBackends;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    app = createApp(backends.deps()).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  it('puts the bell in the signed-in header of every app page', async () => {
    const page = await app.request('/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="notifications-toggle"');
    expect(html).toContain('aria-controls="notifications-panel"');
    // Inside the signed-in part of the header, which the account island shows.
    expect(html.indexOf('id="account-signed-in"')).toBeLessThan(html.indexOf('id="notifications-toggle"'));
  });

  it('serves the preferences page the settings page links to, under the app CSP', async () => {
    const settings = await (await app.request('/settings')).text();
    expect(settings).toContain('href="/settings/notifications"');
    const page = await app.request('/settings/notifications');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('data-page="notification-settings"');
    expect(html).toContain('id="notification-types"');
    expect(html).toContain('<option value="daily">One digest a day</option>');
  });

  it('serves the push service worker from the root, as JavaScript', async () => {
    const worker = await app.request('/notifications-sw.js');
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const source = await worker.text();
    expect(source).toContain("addEventListener('push'");
    expect(source).toContain('showNotification');
  });
});
