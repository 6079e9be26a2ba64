/** Request and response shapes of the email flows: address verification and password reset. */
import { z } from '@hono/zod-openapi';
import { EmailSchema, PasswordSchema } from './auth.ts';
import { text } from './text.ts';

/**
 * A token from an emailed link. Kept loose on purpose: a mangled token is answered like a wrong or
 * used one (`400 invalid_email_token`), so clients have one failure to handle.
 */
export const EmailTokenSchema = text()
  .min(1)
  .max(200)
  .openapi({ description: 'The `token` query parameter of the emailed link', example: 'Zk1nQ2…' });

export const VerifyEmailConfirmRequestSchema = z
  .object({ token: EmailTokenSchema })
  .openapi('VerifyEmailConfirmRequest');

export type VerifyEmailConfirmRequest = z.infer<typeof VerifyEmailConfirmRequestSchema>;

export const PasswordResetRequestSchema = z.object({ email: EmailSchema }).openapi('PasswordResetRequest');

export type PasswordResetRequest = z.infer<typeof PasswordResetRequestSchema>;

export const PasswordResetConfirmRequestSchema = z
  .object({ token: EmailTokenSchema, password: PasswordSchema })
  .openapi('PasswordResetConfirmRequest');

export type PasswordResetConfirmRequest = z.infer<typeof PasswordResetConfirmRequestSchema>;

/** The answer to a request that sends an email; never says whether an account exists. */
export const EmailAcceptedSchema = z
  .object({
    message: z.string().openapi({ example: 'If an account uses this address, an email is on its way.' }),
  })
  .openapi('EmailAccepted');

export type EmailAccepted = z.infer<typeof EmailAcceptedSchema>;
