/**
 * The account pages over HTTP: headers, markup, the OAuth buttons only when configured, and that an
 * emailed link's token stays out of the page.
 */
import { PasswordSchema } from '@streamhub/contracts/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { appPageCsp } from './page-csp.ts';

let backends: TestBackends;
let app: GatewayApp;
let csp: string;

beforeAll(async () => {
  backends = await createTestBackends();
  const deps = backends.deps();
  app = createApp(deps).app;
  csp = appPageCsp(deps.config.publicUrl);
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
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain(`<body data-page="${page}">`);
    expect(html).toContain(`<h1>${heading}</h1>`);
    expect(html).toContain('<main id="main" tabindex="-1">');
    // The script reads the token from the address; the server never writes it into a page.
    expect(html).not.toContain(SECRET);
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" src="\/assets\/app-[\w-]{12}\.js">$/),
    ]);
    // The form stays hidden until the script has found a token to send.
    expect(html).toMatch(/<form id="[\w-]+-form" method="post" hidden="">/);
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
    expect(html).toContain(`minlength="${minLength}" maxlength="${maxLength}" required`);
    expect(html).toContain(`At least ${minLength} characters.`);
    expect(html).toContain('aria-describedby="password-hint"');
  });
});

describe.each([
  ['/sign-in', 'sign-in', 'Sign in'],
  ['/sign-up', 'sign-up', 'Create an account'],
  ['/forgot-password', 'forgot-password', 'Reset your password'],
])('GET %s', (path, page, heading) => {
  it('is an app page under a strict CSP, revalidated, never framed, every field labelled', async () => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain(`<body data-page="${page}">`);
    expect(html).toContain(`<h1>${heading}</h1>`);
    // Posted by the island as JSON; `post` keeps a password out of the address if the script failed.
    expect(html).toMatch(new RegExp(`<form id="${page}-form" method="post">`));
    for (const [, id] of html.matchAll(/<input id="([\w-]+)"/g)) {
      if (id !== 'site-search') expect(html, id).toContain(`<label for="${id}">`);
    }
  });
});

describe('GET /sign-in', () => {
  it('offers GitHub and Google only when they are configured', async () => {
    expect(await (await app.request('/sign-in')).text()).not.toContain('data-provider');

    const configured = await createTestBackends();
    try {
      const withProviders = createApp(
        configured.deps({
          GITHUB_CLIENT_ID: 'id',
          GITHUB_CLIENT_SECRET: 'secret',
          GOOGLE_CLIENT_ID: 'id',
          GOOGLE_CLIENT_SECRET: 'secret',
        }),
      ).app;
      const html = await (await withProviders.request('/sign-in')).text();
      expect(html).toContain(
        'href="/api/v1/auth/oauth/github/start?redirectTo=%2Fsign-in">Sign in with GitHub</a>',
      );
      expect(html).toContain(
        'href="/api/v1/auth/oauth/google/start?redirectTo=%2Fsign-in">Sign in with Google</a>',
      );
    } finally {
      await configured.close();
    }
  });
});

describe('GET /settings', () => {
  it('is an app page whose forms the island fills in, every field labelled', async () => {
    const response = await app.request('/settings');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toContain('<body data-page="settings">');
    for (const form of ['profile-form', 'avatar-form', 'password-form'])
      expect(html).toContain(`id="${form}"`);
    expect(html).toContain('Sign out everywhere');
    for (const [, id] of html.matchAll(/<(?:input|textarea) id="([\w-]+)"/g)) {
      if (id !== 'site-search') expect(html, id).toContain(`<label for="${id}">`);
    }
  });
});
