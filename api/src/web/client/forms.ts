/** The account and settings forms' shared plumbing: posting, and saying how it went. */
import { clientText as t } from '../i18n/en.ts';
import { element } from './page-data.ts';

export type Outcome = { done: string } | { error: string };

/**
 * Shows the outcome in `#<where>-message` (a status) or `#<where>-error` (an alert, read out at once).
 */
export function report(outcome: Outcome, where = 'account'): void {
  element(`${where}-message`, HTMLParagraphElement).textContent = 'done' in outcome ? outcome.done : '';
  element(`${where}-error`, HTMLParagraphElement).textContent = 'error' in outcome ? outcome.error : '';
}

/**
 * Runs `submit` on the form's submit (its button disabled meanwhile) and reports what it returns;
 * `submit` throws only when the server cannot be reached.
 */
export function onSubmit(
  form: HTMLFormElement,
  submit: (data: FormData) => Promise<Outcome>,
  where = 'account',
): void {
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button) button.disabled = true;
    report({ done: t.sending }, where);
    submit(new FormData(form))
      .then(
        (outcome) => report(outcome, where),
        () => report({ error: t.unreachable }, where),
      )
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

export const field = (data: FormData, name: string) => String(data.get(name) ?? '');

export function postJson(path: string, payload: Record<string, string>): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
}
