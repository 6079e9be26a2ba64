/** @jsxImportSource hono/jsx */
/** Pieces the account and settings forms share. */
import { PasswordSchema } from '@streamhub/contracts/auth';
import { pageText } from '../i18n/en.ts';

/** The API's own length limits (it still checks the whole policy). */
export const PASSWORD_MIN = PasswordSchema.minLength ?? 1;
const PASSWORD_MAX = PasswordSchema.maxLength ?? undefined;

/**
 * Where a form's island reports (`#<id>-message`, `#<id>-error`): success as a status, failure as an
 * alert (read out at once).
 */
export function Outcome({ id = 'account' }: { id?: string }) {
  return (
    <>
      <p id={`${id}-message`} class="account-message" role="status" />
      <p id={`${id}-error`} class="account-error" role="alert" />
    </>
  );
}

/** A password field; a new password gets the policy's minimum length. */
export function PasswordInput(props: { id: string; name: string; autocomplete: string; hint?: string }) {
  return (
    <input
      id={props.id}
      name={props.name}
      type="password"
      autocomplete={props.autocomplete}
      minlength={props.autocomplete === 'new-password' ? PASSWORD_MIN : undefined}
      maxlength={PASSWORD_MAX}
      required
      aria-describedby={props.hint}
    />
  );
}

/**
 * A new password typed twice, with the policy's hint under the first field: the reset page and the
 * settings page. `idPrefix` keeps the ids apart where a page could hold two such forms.
 */
export function NewPasswordFields({
  idPrefix = '',
  name,
  hint,
}: {
  idPrefix?: string;
  /** The form field of the new password (the repetition is `confirm`). */
  name: string;
  hint: string;
}) {
  const t = pageText.accounts;
  return (
    <>
      <label for={`${idPrefix}new-password`}>{t.newPassword}</label>
      <PasswordInput
        id={`${idPrefix}new-password`}
        name={name}
        autocomplete="new-password"
        hint={`${idPrefix}password-hint`}
      />
      <p id={`${idPrefix}password-hint`} class="hint">
        {hint}
      </p>
      <label for={`${idPrefix}confirm-password`}>{t.repeatPassword}</label>
      <PasswordInput id={`${idPrefix}confirm-password`} name="confirm" autocomplete="new-password" />
    </>
  );
}
