/**
 * The account pages' islands: sign in (password, or back from GitHub/Google with the tokens in the
 * address's fragment), sign up, ask for a reset link, and the pages the emailed links open, which post
 * the link's token to the API when the reader asks. Each says how it went (the API's own problem detail
 * on failure).
 */
import type { TokenPair } from '@streamhub/contracts/auth';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { saveTokens } from './auth-session.ts';
import { field, onSubmit, postJson, report } from './forms.ts';
import { element } from './page-data.ts';

/** A path on this site to go back to (`?next=`), never elsewhere (`//host`, `/\host`, a URL). */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

const NEXT_KEY = 'streamhub.next';

export function startSignInPage(): void {
  // Back from GitHub or Google: the callback put the tokens in the fragment (never sent to a server).
  const fragment = new URLSearchParams(location.hash.slice(1));
  const accessToken = fragment.get('access_token');
  const refreshToken = fragment.get('refresh_token');
  if (accessToken && refreshToken) {
    history.replaceState(null, '', location.pathname + location.search);
    saveTokens({
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: Number(fragment.get('expires_in')) || 60,
    });
    let next = '/';
    try {
      next = sessionStorage.getItem(NEXT_KEY) ?? '/';
      sessionStorage.removeItem(NEXT_KEY);
    } catch {}
    location.replace(next.startsWith('/') && !next.startsWith('//') ? next : '/');
    return;
  }
  // Back from a failed GitHub or Google login: the callback sent only the error's code and the provider.
  const oauthError = fragment.get('oauth_error');
  if (oauthError) {
    history.replaceState(null, '', location.pathname + location.search);
    const provider = document.querySelector<HTMLElement>(
      `a[data-provider="${CSS.escape(fragment.get('provider') ?? '')}"]`,
    );
    report({ error: t.oauthFailed(provider?.dataset.providerName ?? t.unknownProvider, oauthError) });
  }
  // The provider's round trip forgets `next`: keep it for the return.
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-provider]')) {
    link.addEventListener('click', () => {
      try {
        sessionStorage.setItem(NEXT_KEY, nextPath());
      } catch {}
    });
  }
  onSubmit(element('sign-in-form', HTMLFormElement), async (data) => {
    const response = await postJson('/api/v1/auth/login', {
      email: field(data, 'email'),
      password: field(data, 'password'),
    });
    if (!response.ok) return { error: await problemMessage(response, t.signInFailed) };
    saveTokens((await response.json()) as TokenPair);
    location.assign(nextPath());
    return { done: t.signingIn };
  });
}

export function startSignUpPage(): void {
  const form = element('sign-up-form', HTMLFormElement);
  onSubmit(form, async (data) => {
    const displayName = field(data, 'displayName').trim();
    const email = field(data, 'email');
    const response = await postJson('/api/v1/auth/register', {
      email,
      username: field(data, 'username'),
      password: field(data, 'password'),
      ...(displayName ? { displayName } : {}),
    });
    if (!response.ok) return { error: await problemMessage(response, t.signUpFailed) };
    form.hidden = true;
    return { done: t.signedUp(email) };
  });
}

export function startForgotPasswordPage(): void {
  const form = element('forgot-password-form', HTMLFormElement);
  onSubmit(form, async (data) => {
    const response = await postJson('/api/v1/auth/password-reset/request', { email: field(data, 'email') });
    if (!response.ok) return { error: await problemMessage(response, t.refused) };
    form.hidden = true;
    return { done: t.resetSent };
  });
}

/** The link's form, shown only when the link carries a token (the form is hidden in the HTML). */
function linkForm(formId: string): { form: HTMLFormElement; token: string } | undefined {
  const form = element(formId, HTMLFormElement);
  const token = new URLSearchParams(location.search).get('token');
  if (!token) {
    report({ error: t.linkIncomplete });
    return undefined;
  }
  form.hidden = false;
  return { form, token };
}

async function spendLink(form: HTMLFormElement, path: string, payload: Record<string, string>, done: string) {
  const response = await postJson(path, payload);
  if (!response.ok) return { error: await problemMessage(response, t.refused) };
  form.hidden = true;
  return { done };
}

export function startVerifyEmailPage(): void {
  const found = linkForm('verify-email-form');
  if (!found) return;
  onSubmit(found.form, () =>
    spendLink(found.form, '/api/v1/auth/verify-email/confirm', { token: found.token }, t.verified),
  );
}

export function startResetPasswordPage(): void {
  const found = linkForm('reset-password-form');
  if (!found) return;
  onSubmit(found.form, async (data) => {
    const password = field(data, 'password');
    if (password !== field(data, 'confirm')) return { error: t.passwordsDiffer };
    return spendLink(
      found.form,
      '/api/v1/auth/password-reset/confirm',
      { token: found.token, password },
      t.passwordSet,
    );
  });
}
