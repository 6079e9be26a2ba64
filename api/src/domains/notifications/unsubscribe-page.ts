/**
 * The page an email's unsubscribe link opens (`/notifications/unsubscribe?token=…`), without signing in.
 * Opening it changes nothing (mail scanners open links): it asks, and its form's POST unsubscribes.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppContext, AppEnv } from '../../context.ts';
import { appPageCsp } from '../../web/page-csp.ts';
import { sendPage } from '../../web/page-layout.ts';
import { messagesFor } from './notification-messages.ts';

const text = messagesFor(undefined);

const shell = (instance: string, body: ReturnType<typeof html>) => html`<!doctype html>
<html lang="${text.language}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${text.unsubscribePage.title} · ${instance}</title>
  </head>
  <body>
    <main>
      <h1>${text.unsubscribePage.title}</h1>
      ${body}
    </main>
  </body>
</html>`;

const send = (c: AppContext, status: 200 | 404, body: ReturnType<typeof html>) =>
  sendPage(c, status, shell(c.var.config.notifications.instanceName, body), {
    csp: appPageCsp(c.var.config.publicUrl),
    cacheControl: 'no-store',
  });

const invalid = (c: AppContext) => send(c, 404, html`<p>${text.unsubscribePage.invalid}</p>`);

/** Mounted under `/notifications`. */
export const unsubscribePageRoutes = () =>
  new Hono<AppEnv>()
    .get('/unsubscribe', async (c) => {
      const token = c.req.query('token') ?? '';
      const type = await c.var.deps.services.notifications.unsubscribeKind(token).catch(() => undefined);
      if (!type) return invalid(c);
      const instance = c.var.config.notifications.instanceName;
      return send(
        c,
        200,
        html`<form method="post" action="/notifications/unsubscribe?token=${encodeURIComponent(token)}">
          <p>${text.unsubscribePage.confirm(text.kindNames[type], instance)}</p>
          <button type="submit">${text.unsubscribePage.button}</button>
        </form>`,
      );
    })
    .post('/unsubscribe', async (c) => {
      const token = c.req.query('token') ?? '';
      const done = await c.var.deps.services.notifications.unsubscribe(token).catch(() => undefined);
      if (!done) return invalid(c);
      return send(c, 200, html`<p role="status">${text.unsubscribePage.done(text.kindNames[done.type])}</p>`);
    });
