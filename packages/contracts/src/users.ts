/** Request and response shapes of the users domain (`/api/v1/users`): profiles, avatars and admin. */
import { z } from '@hono/zod-openapi';
import { AccountSchema, EmailSchema, PasswordSchema, UsernameSchema, UserRoleSchema } from './auth.ts';
import { humanText, text } from './text.ts';

export const USER_STATUSES = ['active', 'suspended'] as const;
export const UserStatusSchema = z.enum(USER_STATUSES);

export const DISPLAY_NAME_MAX = 60;
export const BIO_MAX = 500;
export const LINKS_MAX = 5;
export const LINK_LABEL_MAX = 40;
export const LINK_URL_MAX = 300;

/** True for an absolute http(s) URL with a host; `javascript:` and friends must never reach a page. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const ProfileLinkSchema = z
  .object({
    label: humanText()
      .min(1, 'must not be empty')
      .max(LINK_LABEL_MAX, `must be at most ${LINK_LABEL_MAX} characters`)
      .openapi({ example: 'Website' }),
    url: text()
      .trim()
      .max(LINK_URL_MAX, `must be at most ${LINK_URL_MAX} characters`)
      .refine(isHttpUrl, 'must be an http:// or https:// URL')
      .openapi({ example: 'https://ada.example.com' }),
  })
  .openapi('ProfileLink');

export const AvatarUrlsSchema = z
  .object({
    large: z.url().openapi({
      description: '256×256 WebP',
      example: 'https://streamhub.example/media/avatars/…-256.webp',
    }),
    small: z
      .url()
      .openapi({ description: '64×64 WebP', example: 'https://streamhub.example/media/avatars/…-64.webp' }),
  })
  .openapi('AvatarUrls', { description: 'Immutable URLs: a new upload gets new ones' });

/** What anyone may see about a user. Never the email, status or anything private. */
export const PublicProfileSchema = z
  .object({
    username: z.string(),
    displayName: z.string().nullable(),
    bio: z.string().nullable(),
    links: z.array(ProfileLinkSchema),
    avatar: AvatarUrlsSchema.nullable(),
    role: UserRoleSchema,
    createdAt: z.iso.datetime(),
  })
  .openapi('PublicProfile');

export type PublicProfile = z.infer<typeof PublicProfileSchema>;

/** The owner's view of their account: the account plus the profile fields. */
export const MyAccountSchema = AccountSchema.extend({
  bio: z.string().nullable(),
  links: z.array(ProfileLinkSchema),
  avatar: AvatarUrlsSchema.nullable(),
  hasPassword: z.boolean().openapi({
    description:
      'False for accounts that only sign in through OAuth; they confirm deletion with their username',
  }),
}).openapi('MyAccount');

export type MyAccount = z.infer<typeof MyAccountSchema>;

// Unknown keys are refused rather than ignored, so `{"role":"admin"}` or a typo is an error, not a no-op.
export const UpdateProfileRequestSchema = z
  .strictObject({
    displayName: humanText()
      .min(1, 'must not be empty (send null to clear it)')
      .max(DISPLAY_NAME_MAX, `must be at most ${DISPLAY_NAME_MAX} characters`)
      .nullable()
      .optional()
      .openapi({ example: 'Ada' }),
    bio: humanText()
      .max(BIO_MAX, `must be at most ${BIO_MAX} characters`)
      .nullable()
      .optional()
      .openapi({ example: 'Live coding on Tuesdays.' }),
    links: z
      .array(ProfileLinkSchema)
      .max(LINKS_MAX, `must have at most ${LINKS_MAX} links`)
      .optional()
      .openapi({ description: 'Replaces the whole list' }),
  })
  .refine(
    (body) => body.displayName !== undefined || body.bio !== undefined || body.links !== undefined,
    'send at least one of displayName, bio, links',
  )
  .openapi('UpdateProfileRequest');

export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequestSchema>;

export const DeleteAccountRequestSchema = z
  .strictObject({
    password: text().min(1).max(256).optional().openapi({ description: 'Accounts with a password' }),
    confirm: text()
      .max(30)
      .optional()
      .openapi({ description: 'OAuth-only accounts (`hasPassword: false`): the username' }),
  })
  .openapi('DeleteAccountRequest');

export type DeleteAccountRequest = z.infer<typeof DeleteAccountRequestSchema>;

export const UsernameParamsSchema = z.object({
  // Not UsernameSchema: a name that could never exist is simply not found, not a validation error.
  username: text().openapi({ param: { name: 'username', in: 'path' }, example: 'ada_live' }),
});

export const UserIdParamsSchema = z.object({
  id: z.uuid('must be a user id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

/** What an admin sees in the user list. */
export const AdminUserSchema = AccountSchema.extend({
  status: UserStatusSchema,
  avatar: AvatarUrlsSchema.nullable(),
}).openapi('AdminUser');

export type AdminUser = z.infer<typeof AdminUserSchema>;

export const USER_LIST_MAX_LIMIT = 100;

export const ListUsersQuerySchema = z.object({
  query: text()
    .trim()
    .max(100, 'must be at most 100 characters')
    .optional()
    .openapi({ description: 'Substring of the username or email, ignoring case', example: 'ada' }),
  cursor: text().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(USER_LIST_MAX_LIMIT, `must be at most ${USER_LIST_MAX_LIMIT}`)
    .default(20),
});

export type ListUsersQuery = z.infer<typeof ListUsersQuerySchema>;

export const UserListSchema = z
  .object({
    items: z.array(AdminUserSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Null on the last page' }),
  })
  .openapi('UserList');

export type UserList = z.infer<typeof UserListSchema>;

/** An account made by an admin (or `streamhub user create`): verified at once, the admin vouches for it. */
export const CreateUserRequestSchema = z
  .strictObject({
    email: EmailSchema,
    username: UsernameSchema,
    password: PasswordSchema,
    role: UserRoleSchema.default('viewer'),
  })
  .openapi('CreateUserRequest');

export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

export const SetRoleRequestSchema = z.strictObject({ role: UserRoleSchema }).openapi('SetRoleRequest');
