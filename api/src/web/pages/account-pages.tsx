/** @jsxImportSource hono/jsx */
/**
 * The account pages: sign in, sign up, forgotten password, and the pages the emailed links open
 * (`/verify-email?token=…`, `/reset-password?token=…`). Their islands post to the API; a link's token
 * stays in the address, where the island reads it, so the server never echoes it into HTML. The link
 * pages do nothing before the reader presses the button: mail scanners that open (and sometimes run)
 * links would otherwise spend the token.
 */
import { UsernameSchema } from '@streamhub/contracts/auth';
import { DISPLAY_NAME_MAX } from '@streamhub/contracts/users';
import { pageText } from '../i18n/en.ts';
import type { WebAssets } from '../web-assets.ts';
import { NewPasswordFields, Outcome, PASSWORD_MIN, PasswordInput } from './form-parts.tsx';
import { Shell } from './shell.tsx';

const t = pageText.accounts;
export interface OAuthProvider {
  id: 'github' | 'google';
  name: string;
}

export function signInPage(assets: WebAssets, providers: OAuthProvider[]) {
  return (
    <Shell assets={assets} title={t.signInTitle} data={{ page: 'sign-in' }}>
      <div class="account">
        <h1>{t.signInHeading}</h1>
        <form id="sign-in-form" method="post">
          <label for="sign-in-email">{t.email}</label>
          <input id="sign-in-email" name="email" type="email" autocomplete="username" required />
          <label for="sign-in-password">{t.password}</label>
          <PasswordInput id="sign-in-password" name="password" autocomplete="current-password" />
          <button type="submit">{t.signInButton}</button>
        </form>
        <Outcome />
        {providers.length > 0 ? (
          <section class="providers" aria-labelledby="providers-heading">
            <h2 id="providers-heading">{t.orWith}</h2>
            {providers.map((provider) => (
              // The island adds `redirectTo` (the page to come back to) before the browser leaves.
              <a
                class="button-link provider"
                data-provider={provider.id}
                data-provider-name={provider.name}
                href={`/api/v1/auth/oauth/${provider.id}/start?redirectTo=%2Fsign-in`}
              >
                {t.withProvider(provider.name)}
              </a>
            ))}
          </section>
        ) : null}
        <p>
          <a href="/forgot-password">{t.forgotPassword}</a>
        </p>
        <p>
          {t.noAccount} <a href="/sign-up">{pageText.shell.signUp}</a>
        </p>
      </div>
    </Shell>
  );
}

export function signUpPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.signUpTitle} data={{ page: 'sign-up' }}>
      <div class="account">
        <h1>{t.signUpHeading}</h1>
        <form id="sign-up-form" method="post">
          <label for="sign-up-email">{t.email}</label>
          <input id="sign-up-email" name="email" type="email" autocomplete="email" required />
          <label for="sign-up-username">{t.username}</label>
          <input
            id="sign-up-username"
            name="username"
            autocomplete="username"
            minlength={UsernameSchema.minLength ?? undefined}
            maxlength={UsernameSchema.maxLength ?? undefined}
            required
            aria-describedby="username-hint"
          />
          <p id="username-hint" class="hint">
            {t.usernameHint}
          </p>
          <label for="sign-up-display-name">{t.displayName}</label>
          <input
            id="sign-up-display-name"
            name="displayName"
            autocomplete="nickname"
            maxlength={DISPLAY_NAME_MAX}
          />
          <label for="sign-up-password">{t.password}</label>
          <PasswordInput
            id="sign-up-password"
            name="password"
            autocomplete="new-password"
            hint="password-hint"
          />
          <p id="password-hint" class="hint">
            {t.passwordHint(PASSWORD_MIN)}
          </p>
          <button type="submit">{t.signUpButton}</button>
        </form>
        <Outcome />
        <p>
          {t.haveAccount} <a href="/sign-in">{pageText.shell.signIn}</a>
        </p>
      </div>
    </Shell>
  );
}

export function forgotPasswordPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.forgotTitle} data={{ page: 'forgot-password' }}>
      <div class="account">
        <h1>{t.forgotTitle}</h1>
        <p>{t.forgotIntro}</p>
        <form id="forgot-password-form" method="post">
          <label for="forgot-email">{t.email}</label>
          <input id="forgot-email" name="email" type="email" autocomplete="email" required />
          <button type="submit">{t.forgotButton}</button>
        </form>
        <Outcome />
      </div>
    </Shell>
  );
}

function LinkNeedsScript() {
  return (
    <noscript>
      <p class="account-error">{t.linkNeedsScript}</p>
    </noscript>
  );
}

export function verifyEmailPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.verifyTitle} data={{ page: 'verify-email' }}>
      <div class="account">
        <h1>{t.verifyTitle}</h1>
        <form id="verify-email-form" method="post" hidden>
          <p>{t.verifyIntro}</p>
          <button type="submit">{t.verifyButton}</button>
        </form>
        <Outcome />
        <LinkNeedsScript />
      </div>
    </Shell>
  );
}

export function resetPasswordPage(assets: WebAssets) {
  return (
    <Shell assets={assets} title={t.resetTitle} data={{ page: 'reset-password' }}>
      <div class="account">
        <h1>{t.resetTitle}</h1>
        <form id="reset-password-form" method="post" hidden>
          <NewPasswordFields name="password" hint={t.resetHint(PASSWORD_MIN)} />
          <button type="submit">{t.resetButton}</button>
        </form>
        <Outcome />
        <LinkNeedsScript />
      </div>
    </Shell>
  );
}
