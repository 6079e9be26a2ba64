/** Request and response shapes of the identity domain, shared by the API, the CLI and tests. */
import { z } from '@hono/zod-openapi';
import { humanText, text } from './text.ts';

export const USER_ROLES = ['viewer', 'streamer', 'moderator', 'admin'] as const;
export const UserRoleSchema = z.enum(USER_ROLES);

export const EmailSchema = z
  .email({ message: 'must be a valid email address' })
  .max(254, 'must be at most 254 characters')
  .openapi({ example: 'ada@example.com' });

export const UsernameSchema = text()
  .min(3, 'must be at least 3 characters')
  .max(30, 'must be at most 30 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and use only letters, digits and _')
  .openapi({ example: 'ada_live' });

/**
 * NIST SP 800-63B: length over composition rules. Long passphrases are welcome; the upper bound only
 * keeps hashing cost per request bounded.
 */
export const PasswordSchema = text()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters')
  .refine((value) => new Set(value).size >= 4, 'is too repetitive')
  .openapi({ example: 'correct horse battery staple' });

export const RegisterRequestSchema = z
  .object({
    email: EmailSchema,
    username: UsernameSchema,
    password: PasswordSchema,
    displayName: humanText().min(1).max(60).optional().openapi({ example: 'Ada' }),
  })
  .openapi('RegisterRequest');

export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

/** What the owner of an account sees about it. */
export const AccountSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    role: UserRoleSchema,
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Account');

export type Account = z.infer<typeof AccountSchema>;

export const TokenPairSchema = z
  .object({
    accessToken: z.string().openapi({ description: 'JWT (ES256) to send as `Authorization: Bearer …`' }),
    refreshToken: z.string().openapi({ description: 'Opaque; single use: each refresh returns a new one' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z
      .number()
      .int()
      .openapi({ description: 'Seconds until the access token expires', example: 900 }),
  })
  .openapi('TokenPair');

export type TokenPair = z.infer<typeof TokenPairSchema>;

export const LoginRequestSchema = z
  .object({
    email: text().max(254).openapi({ example: 'ada@example.com' }),
    // Not the registration policy: an old password that predates a policy change must still log in.
    password: text().min(1).max(256),
  })
  .openapi('LoginRequest');

export const RefreshRequestSchema = z
  .object({ refreshToken: text().min(1).max(200) })
  .openapi('RefreshRequest');

export const ChangePasswordRequestSchema = z
  .object({ currentPassword: text().min(1).max(256), newPassword: PasswordSchema })
  .openapi('ChangePasswordRequest');

export const SessionInfoSchema = z
  .object({ userId: z.uuid(), sessionId: z.uuid(), role: UserRoleSchema })
  .openapi('SessionInfo');

/** One signed-in session of the caller, as the settings page lists them. */
export const UserSessionSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().openapi({ description: 'When it last renewed its tokens (or signed in)' }),
    expiresAt: z.iso.datetime(),
    userAgent: z.string().nullable().openapi({ description: 'The browser or client that signed in' }),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: 'The session of the access token that asked' }),
  })
  .openapi('UserSession');

export type UserSession = z.infer<typeof UserSessionSchema>;

export const UserSessionListSchema = z
  .object({ items: z.array(UserSessionSchema) })
  .openapi('UserSessionList');
export type UserSessionList = z.infer<typeof UserSessionListSchema>;

export const SessionIdParamsSchema = z.object({
  id: z.uuid('must be a session id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});
