/** @jsxImportSource hono/jsx */
/** Pieces the account and settings forms share. */
import { PasswordSchema } from '@streamhub/contracts/auth';

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
