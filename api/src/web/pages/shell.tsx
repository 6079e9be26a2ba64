/** @jsxImportSource hono/jsx */
/**
 * The app's one layout: a skip link, the header (home, directory, search, sign in or the account menu),
 * the main landmark and a footer. Rendered with hono/jsx, which escapes every interpolated value. The
 * islands find their parameters in data attributes on <body> (the CSP allows no inline script); the
 * header's account menu is filled in by the `session` island, as the server knows no one (tokens live
 * in the browser).
 */
import type { Child } from 'hono/jsx';
import { APP_STYLESHEET } from '../app-style.ts';
import { LANGUAGE, pageText } from '../i18n/en.ts';
import type { WebAssets } from '../web-assets.ts';
import { NotificationsBell } from './notifications-bell.tsx';

const t = pageText.shell;

export interface ShellProps {
  assets: WebAssets;
  /** The page's own title (the site name is added). */
  title: string;
  /** `data-*` attributes of <body> (without the prefix), read by the page's island. */
  data: Record<string, string> & { page: string };
  /** The search box's value (on the search page). */
  query?: string;
  /** Stylesheets after the app's own (which is inline). */
  stylesheets?: string[];
  /**
   * The image that is the page's largest paint (a player's poster), fetched at once and ahead of other
   * images: a poster is otherwise found only when the <video> is laid out, and at low priority.
   */
  leadImage?: string | undefined;
  /** Modules the page will import at once (hls.js on a live channel), fetched beside the page's script. */
  preloadModules?: string[];
  children: Child;
}

export function Shell({
  assets,
  title,
  data,
  query,
  stylesheets = [],
  leadImage,
  preloadModules = [],
  children,
}: ShellProps) {
  const dataAttributes = Object.fromEntries(
    Object.entries(data).map(([name, value]) => [`data-${name}`, value]),
  );
  return (
    <html lang={LANGUAGE}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{pageText.title(title)}</title>
        <link rel="icon" type="image/svg+xml" href={assets.urls.favicon} />
        {/* Inline, allowed by its hash in the CSP (app-style.ts): no request holds the first paint back.
            Our own static file, never user input, so it is not escaped (`>` is a CSS combinator). */}
        <style dangerouslySetInnerHTML={{ __html: APP_STYLESHEET }} />
        {stylesheets.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        {leadImage ? <link rel="preload" as="image" href={leadImage} fetchpriority="high" /> : null}
        <script type="module" src={assets.urls.script} />
        {preloadModules.map((href) => (
          <link rel="modulepreload" href={href} />
        ))}
      </head>
      <body {...dataAttributes}>
        <a class="skip-link" href="#main">
          {t.skipToContent}
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            {pageText.siteName}
          </a>
          <nav class="site-nav" aria-label={t.mainNavigation}>
            <a href="/">{t.home}</a>
            <a href="/directory">{t.directory}</a>
          </nav>
          <search class="site-search">
            <form action="/search" method="get">
              <label class="visually-hidden" for="site-search">
                {t.searchLabel}
              </label>
              <input
                id="site-search"
                type="search"
                name="q"
                value={query ?? ''}
                placeholder={t.searchPlaceholder}
                maxlength={200}
              />
              <button type="submit">{t.search}</button>
            </form>
          </search>
          <div class="account-menu">
            <div id="account-signed-out" class="account-links">
              <a href="/sign-in">{t.signIn}</a>
              <a class="button-link" href="/sign-up">
                {t.signUp}
              </a>
            </div>
            <div id="account-signed-in" class="account-links" hidden>
              <span id="account-name" class="account-name" />
              <a href="/studio">{t.studio}</a>
              <a id="account-admin" href="/admin" hidden>
                {t.admin}
              </a>
              <NotificationsBell />
              <a href="/settings">{t.settings}</a>
              <button id="sign-out" type="button">
                {t.signOut}
              </button>
            </div>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <footer class="site-footer">
          <span>{t.footer}</span>
          <a href="/docs">{t.apiReference}</a>
        </footer>
      </body>
    </html>
  );
}
