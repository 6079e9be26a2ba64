/**
 * The pages the emailed links open: they post the link's token to the API when the reader asks, and
 * say how it went (the API's own problem detail on failure).
 */
import { problemMessage } from './api-problem.ts';
import { element } from './page-data.ts';

interface AccountForm {
  form: HTMLFormElement;
  /** Says how it went; `error` is read out at once by screen readers (role="alert"). */
  report(outcome: { done: string } | { error: string }): void;
}

/** The page's form, shown only when the link carries a token (the form is hidden in the HTML). */
function accountForm(formId: string): { token: string; page: AccountForm } | undefined {
  const form = element(formId, HTMLFormElement);
  const message = element('account-message', HTMLParagraphElement);
  const error = element('account-error', HTMLParagraphElement);
  const page: AccountForm = {
    form,
    report(outcome) {
      message.textContent = 'done' in outcome ? outcome.done : '';
      error.textContent = 'error' in outcome ? outcome.error : '';
    },
  };
  const token = new URLSearchParams(location.search).get('token');
  if (!token) {
    page.report({ error: 'This link is incomplete: open the link from the email again.' });
    return undefined;
  }
  form.hidden = false;
  return { token, page };
}

/**
 * Posts the form's `body` on submit; on success hides the form and reports `done`, otherwise reports
 * the problem and lets the reader try again.
 */
function submitTo(
  page: AccountForm,
  path: string,
  body: () => { payload: Record<string, string> } | { error: string },
  done: string,
): void {
  const button = page.form.querySelector('button');
  page.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const request = body();
    if ('error' in request) {
      page.report(request);
      return;
    }
    if (button) button.disabled = true;
    page.report({ done: 'Sending…' });
    send(path, request.payload)
      .then(
        async (response) => {
          if (response.ok) {
            page.form.hidden = true;
            page.report({ done });
            return;
          }
          page.report({ error: await problemMessage(response, 'The server refused the request') });
        },
        () => page.report({ error: 'The server could not be reached; check the connection and try again.' }),
      )
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

function send(path: string, payload: Record<string, string>): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

export function startVerifyEmailPage(): void {
  const found = accountForm('verify-email-form');
  if (!found) return;
  submitTo(
    found.page,
    '/api/v1/auth/verify-email/confirm',
    () => ({ payload: { token: found.token } }),
    'Your email address is verified. You can close this page.',
  );
}

export function startResetPasswordPage(): void {
  const found = accountForm('reset-password-form');
  if (!found) return;
  const password = element('new-password', HTMLInputElement);
  const confirm = element('confirm-password', HTMLInputElement);
  submitTo(
    found.page,
    '/api/v1/auth/password-reset/confirm',
    () =>
      password.value === confirm.value
        ? { payload: { token: found.token, password: password.value } }
        : { error: 'The two passwords differ; type the same password twice.' },
    'Your password is set, and every session of the account was signed out: sign in with the new password.',
  );
}
