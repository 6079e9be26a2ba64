/** Request shapes of the OAuth login routes (`/api/v1/auth/oauth/{provider}/…`). */
import { z } from '@hono/zod-openapi';
import { text } from './text.ts';

/** Identity providers StreamHub can log in with; each is enabled by its client id and secret. */
export const OAUTH_PROVIDERS = ['github', 'google'] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDERS)[number];

export const isOAuthProviderName = (value: string): value is OAuthProviderName =>
  (OAUTH_PROVIDERS as readonly string[]).includes(value);

// Any origin works as the base: a path that resolves to another origin against one does against all.
const PROBE_ORIGIN = 'https://streamhub.invalid';

/**
 * True for a path on this site (`/watch?x=1`), false for anything a browser could resolve to another
 * origin: absolute URLs, `//host`, `/\host` (browsers read `\` as `/`), and control characters or
 * spaces (the URL parser drops tabs and newlines, so `/\t/host` would become `//host`). `#` is refused
 * because the callback appends its own fragment.
 */
export function isSameSitePath(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//')) return false;
  if (/[\\#\s\p{Cc}]/u.test(value)) return false;
  try {
    return new URL(value, PROBE_ORIGIN).origin === PROBE_ORIGIN;
  } catch {
    return false;
  }
}

export const OAuthRedirectToSchema = text()
  .max(2048, 'must be at most 2048 characters')
  .refine(isSameSitePath, 'must be a path on this site, like /studio (no scheme, host or #fragment)')
  .openapi({
    description: 'Where the browser goes after login, with the tokens in the URL fragment',
    example: '/studio',
  });

export const OAuthProviderParamsSchema = z.object({
  // A plain string, not an enum: an unknown provider is a 404 like any other missing resource.
  provider: text().openapi({
    param: { name: 'provider', in: 'path' },
    example: 'github',
    description: 'github or google',
  }),
});

export const OAuthStartQuerySchema = z.object({
  redirectTo: OAuthRedirectToSchema.optional(),
});

/** What the provider appends to the callback URL: `code` and `state`, or `error` when it refused. */
export const OAuthCallbackQuerySchema = z.object({
  code: text().min(1).max(2048).optional(),
  state: text().min(1).max(512).optional(),
  error: text().max(256).optional(),
  error_description: text().max(2048).optional(),
});

export type OAuthCallbackQuery = z.infer<typeof OAuthCallbackQuerySchema>;
