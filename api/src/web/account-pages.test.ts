/** `/verify-email` and `/reset-password` over HTTP: headers, markup and that the token stays out of the page. */
import { PasswordSchema } from '@streamhub/contracts/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { APP_PAGE_CSP } from './page-csp.ts';

let backends: TestBackends;
let app: GatewayApp;

beforeAll(async () => {
  backends = await createTestBackends();
  app = createApp(backends.deps()).app;
});
afterAll(() => backends.close());

const SECRET = 'c2VjcmV0LXRva2VuLWZyb20tdGhlLWVtYWls';

describe.each([
  ['/verify-email', 'verify-email', 'Verify your email address'],
  ['/reset-password', 'reset-password', 'Choose a new password'],
])('GET %s', (path, page, heading) => {
  it('is a page of its own under a strict CSP, never cached, never framed', async () => {
    const response = await app.request(`${path}?token=${SECRET}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('content-security-policy')).toBe(APP_PAGE_CSP);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain(`<body data-page="${page}">`);
    expect(html).toContain(`<h1>${heading}</h1>`);
    // The script reads the token from the address; the server never writes it into a page.
    expect(html).not.toContain(SECRET);
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" src="\/assets\/app-[\w-]{12}\.js">$/),
    ]);
    // The form stays hidden until the script has found a token to send.
    expect(html).toMatch(/<form id="[\w-]+-form" hidden>/);
    expect(html).toContain('role="alert"');
    expect(html).toContain('role="status"');
  });
});

describe('GET /reset-password', () => {
  it('labels both password fields and takes its length limits from the API schema', async () => {
    const html = await (await app.request('/reset-password?token=x')).text();
    for (const id of ['new-password', 'confirm-password']) {
      expect(html).toContain(`<label for="${id}">`);
      expect(html).toMatch(new RegExp(`id="${id}"[^>]*type="password"[^>]*autocomplete="new-password"`));
    }
    const { minLength, maxLength } = PasswordSchema;
    expect(html).toContain(`minlength="${minLength}" maxlength="${maxLength}"`);
    expect(html).toContain(`At least ${minLength} characters.`);
    expect(html).toContain('aria-describedby="password-hint"');
  });
});
