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
 * Runs `submit` on the form's submit (a second submit meanwhile is ignored) and reports what it returns;
 * `submit` throws only when the server cannot be reached.
 */
export function onSubmit(
  form: HTMLFormElement,
  submit: (data: FormData) => Promise<Outcome>,
  where = 'account',
): void {
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    setBusy(button, true);
    report({ done: t.sending }, where);
    submit(new FormData(form))
      .then(
        (outcome) => report(outcome, where),
        () => report({ error: t.unreachable }, where),
      )
      .finally(() => {
        busy = false;
        setBusy(button, false);
      });
  });
}

/**
 * Marks a button busy with aria-disabled, not `disabled`: a disabled button loses the focus, so a
 * keyboard user's next key press went nowhere. Its click handler must ignore clicks while busy.
 */
export function setBusy(button: HTMLButtonElement | null, busy: boolean): void {
  if (busy) button?.setAttribute('aria-disabled', 'true');
  else button?.removeAttribute('aria-disabled');
}

export const field = (data: FormData, name: string) => String(data.get(name) ?? '');

export function postJson(path: string, payload: Record<string, string>): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
}
