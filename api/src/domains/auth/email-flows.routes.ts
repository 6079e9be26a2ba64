/** `/api/v1/auth`: email verification and password reset by emailed link. */
import { createRoute } from '@hono/zod-openapi';
import {
  type EmailAccepted,
  EmailAcceptedSchema,
  PasswordResetConfirmRequestSchema,
  PasswordResetRequestSchema,
  VerifyEmailConfirmRequestSchema,
} from '@streamhub/contracts/account-recovery';
import { clientIp } from '../../http/client-ip.ts';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from './signed-in-route.ts';

const bodyErrors = {
  400: problemResponse('The body is not JSON (`malformed_json`)'),
  413: problemResponse('The body is too large (`payload_too_large`)'),
  415: problemResponse('The body is not `application/json` (`unsupported_media_type`)'),
  422: problemResponse('A field is invalid (`validation_failed`)'),
  429: problemResponse('Too many requests (`rate_limited`)'),
};

const tokenErrors = {
  ...bodyErrors,
  400: problemResponse(
    'The token is unknown, already used, expired or for another purpose (`invalid_email_token`), or the body is not JSON (`malformed_json`)',
  ),
};

const requestVerification = signedInRoute({
  method: 'post',
  path: '/verify-email/request',
  operationId: 'requestEmailVerification',
  tags: ['auth'],
  summary: "Email a new verification link to the caller's address (earlier links stop working)",
  responses: {
    202: jsonResponse(EmailAcceptedSchema, 'The email is queued'),
    401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
    403: problemResponse('The account is suspended (`account_suspended`)'),
    409: problemResponse('The address is already verified (`conflict`)'),
    429: problemResponse('Too many requests (`rate_limited`)'),
  },
});

const confirmVerification = createRoute({
  method: 'post',
  path: '/verify-email/confirm',
  operationId: 'confirmEmailVerification',
  tags: ['auth'],
  summary: 'Mark the address verified with the token from the emailed link',
  request: { body: jsonBody(VerifyEmailConfirmRequestSchema) },
  responses: { 204: { description: 'The address is verified' }, ...tokenErrors },
});

const requestPasswordReset = createRoute({
  method: 'post',
  path: '/password-reset/request',
  operationId: 'requestPasswordReset',
  tags: ['auth'],
  summary: 'Email a password reset link, if an account uses this address',
  description:
    'Answers 202 with the same body, after the same delay, whether or not an account uses the address, so it cannot be used to find accounts. Works for OAuth-only accounts too, which can set a first password this way. At most one link per account per minute, and a few requests per hour per address and per client (`rate_limited`).',
  request: { body: jsonBody(PasswordResetRequestSchema) },
  responses: {
    202: jsonResponse(EmailAcceptedSchema, 'Accepted; an email is sent if an account uses the address'),
    ...bodyErrors,
  },
});

const confirmPasswordReset = createRoute({
  method: 'post',
  path: '/password-reset/confirm',
  operationId: 'confirmPasswordReset',
  tags: ['auth'],
  summary: "Set a new password with the token from the emailed link; ends all of the account's sessions",
  request: { body: jsonBody(PasswordResetConfirmRequestSchema) },
  responses: {
    204: { description: 'The password is set and every session is revoked' },
    ...tokenErrors,
    422: problemResponse('A field is invalid or the password does not meet the policy (`validation_failed`)'),
  },
});

// One constant body: the answer must not depend on whether the account exists.
const RESET_ACCEPTED: EmailAccepted = {
  message: 'If an account uses this address, an email with a reset link is on its way.',
};
const VERIFICATION_ACCEPTED: EmailAccepted = { message: 'A verification link is on its way.' };

export const emailFlowRoutes = () =>
  createRouter()
    .openapi(requestVerification, async (c) => {
      const { userId } = c.var.auth;
      await c.var.deps.services.abuse.attempt('verify_email', {
        ip: clientIp(c, c.var.deps),
        account: userId,
      });
      await c.var.deps.services.emailFlows.requestVerification(userId);
      return c.json(VERIFICATION_ACCEPTED, 202);
    })
    .openapi(confirmVerification, async (c) => {
      await c.var.deps.services.emailFlows.confirmVerification(c.req.valid('json').token);
      return c.body(null, 204);
    })
    .openapi(requestPasswordReset, async (c) => {
      const { email } = c.req.valid('json');
      // Counted by the address asked for, known or not, so a 429 says nothing about accounts either.
      await c.var.deps.services.abuse.attempt('password_reset', {
        ip: clientIp(c, c.var.deps),
        account: email,
      });
      await c.var.deps.services.emailFlows.requestPasswordReset(email);
      return c.json(RESET_ACCEPTED, 202);
    })
    .openapi(confirmPasswordReset, async (c) => {
      const { token, password } = c.req.valid('json');
      await c.var.deps.services.emailFlows.confirmPasswordReset(token, password);
      return c.body(null, 204);
    });
