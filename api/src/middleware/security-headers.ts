/**
 * Static security headers, set before the handler runs: setting them after `next()` would make
 * @hono/node-server build a full Response for every request (see FIELD-NOTES.md).
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export const securityHeaders = (options: { https: boolean }) => {
  const headers: [string, string][] = [
    ['Content-Security-Policy', API_CONTENT_SECURITY_POLICY],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
  ];
  if (options.https) headers.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']);
  return createMiddleware<AppEnv>(async (c, next) => {
    for (const [name, value] of headers) c.header(name, value);
    await next();
  });
};
