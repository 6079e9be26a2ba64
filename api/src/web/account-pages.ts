/**
 * The pages the emailed links open: `/verify-email?token=…` and `/reset-password?token=…`. The token
 * stays in the address: the page's script reads it there and posts it to the API, so the server never
 * echoes it into HTML. Nothing happens before the reader presses the button, because mail scanners
 * that open (and sometimes run) links would otherwise spend the token.
 */
import { PasswordSchema } from '@streamhub/contracts/auth';
import { html } from 'hono/html';
import { type Html, layout } from './page-layout.ts';
import type { WebAssets } from './web-assets.ts';

/** Where the script reports: success as a status, failure as an alert (read out at once). */
const messages = html`<p id="account-message" class="account-message" role="status"></p>
  <p id="account-error" class="account-error" role="alert"></p>
  <noscript><p class="account-error">This page needs JavaScript to send the link's token.</p></noscript>`;

export function verifyEmailPage(assets: WebAssets): Html {
  const body = html`<main class="account">
    <h1>Verify your email address</h1>
    <form id="verify-email-form" hidden>
      <p>Confirm that this address belongs to your StreamHub account.</p>
      <button type="submit">Verify my address</button>
    </form>
    ${messages}
  </main>`;
  return layout(assets, 'Verify your email address', body, { data: { page: 'verify-email' } });
}

export function resetPasswordPage(assets: WebAssets): Html {
  // The limits come from the API's own schema; the API still checks the whole policy.
  const min = PasswordSchema.minLength ?? 1;
  const max = PasswordSchema.maxLength;
  const body = html`<main class="account">
    <h1>Choose a new password</h1>
    <form id="reset-password-form" hidden>
      <label for="new-password">New password</label>
      <input id="new-password" name="password" type="password" autocomplete="new-password"
        minlength="${String(min)}"${max ? html` maxlength="${String(max)}"` : ''} required
        aria-describedby="password-hint" />
      <p id="password-hint" class="hint">At least ${String(min)} characters. Setting it signs you out everywhere.</p>
      <label for="confirm-password">Repeat the new password</label>
      <input id="confirm-password" name="confirm" type="password" autocomplete="new-password"
        required />
      <button type="submit">Set the new password</button>
    </form>
    ${messages}
  </main>`;
  return layout(assets, 'Choose a new password', body, { data: { page: 'reset-password' } });
}
