import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemSchema } from '@streamhub/contracts/problem';
import {
  AdminUserSchema,
  MyAccountSchema,
  PublicProfileSchema,
  UserListSchema,
} from '@streamhub/contracts/users';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { login, registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { type AbusePolicy, DEFAULT_ABUSE_POLICY } from '../auth/abuse-guard.ts';
import { UsersRepository } from './users.repository.ts';

const PUBLIC_URL = 'https://streamhub.test';
// Every test signs up its own users from one address; the sign-up limits are not under test here.
const LENIENT: AbusePolicy = {
  ...DEFAULT_ABUSE_POLICY,
  perIp: {
    ...DEFAULT_ABUSE_POLICY.perIp,
    register: { max: 10_000, windowMs: 60_000 },
    login: { max: 10_000, windowMs: 60_000 },
  },
};
const MiB = 1024 * 1024;

const problem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe(code);
  return body;
};

const jsonBody = (method: string, body: unknown, authorization?: string): RequestInit => ({
  method,
  headers: {
    'Content-Type': 'application/json',
    ...(authorization ? { Authorization: authorization } : {}),
  },
  body: JSON.stringify(body),
});

const upload = (bytes: Uint8Array, authorization: string, name = 'avatar.png', type = 'image/png') => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  return { method: 'PUT', headers: { Authorization: authorization }, body: form } satisfies RequestInit;
};

/** Random pixels: PNG cannot compress them, so the file is about width × height × 3 bytes. */
const noisePng = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();

// Avatars live in the media storage: every test runs on the data directory and on an S3 bucket.
const cases = testDatabases().flatMap((driver) =>
  (['filesystem', 's3'] as const).map((storage) => [driver, storage] as const),
);

describe.each(cases)('/api/v1/users on %s with %s media storage', (driver, storage) => {
  let backends: TestBackends;
  let app: GatewayApp;
  let dataDir: string;
  let admin: SignedInUser;
  let s3: TestS3Server | undefined;
  let media: MediaStorage;

  const get = (path: string, authorization?: string) =>
    app.request(path, authorization ? { headers: { Authorization: authorization } } : {});

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-users-'));
    backends = await createTestBackends(driver);
    if (storage === 's3') s3 = await startTestS3Server();
    const storageEnv = s3
      ? {
          MEDIA_STORAGE: 's3',
          S3_ENDPOINT: s3.endpoint,
          S3_BUCKET: s3.bucket,
          S3_FORCE_PATH_STYLE: 'true',
          S3_ACCESS_KEY_ID: 'S3RVER',
          S3_SECRET_ACCESS_KEY: 'S3RVER',
        }
      : {};
    // Default limits (1 MiB bodies, 5 MiB avatars): the avatar route must get past the global one.
    const deps = backends.deps(
      { STREAMHUB_DATA_DIR: dataDir, PUBLIC_URL, ...storageEnv },
      {},
      { abusePolicy: LENIENT },
    );
    app = createApp(deps).app;
    media = createMediaStorage({ dataDir, storage: deps.config.mediaStorage, db: backends.database.db });
    expect(media.kind).toBe(storage);
    admin = await registerAndLogin(app, backends, { role: 'admin' });
  });
  afterAll(async () => {
    await backends.close();
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const setAvatar = async (image: Uint8Array, user: SignedInUser) => {
    const response = await app.request('/api/v1/me/avatar', upload(image, user.authorization));
    expect(response.status, await response.clone().text()).toBe(200);
    return MyAccountSchema.parse(await response.json());
  };

  /** The stored avatar files' names, through the storage the gateway uses. */
  const avatarFiles = async () =>
    (await media.list(mediaKeys.avatarPrefix)).map((entry) => entry.key.slice('avatars/'.length));

  describe('profiles', () => {
    it('shows a public profile without any private field, by username in any case', async () => {
      const ada = await registerAndLogin(app, backends);
      const response = await get(`/api/v1/users/${ada.account.username.toUpperCase()}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const profile = PublicProfileSchema.strict().parse(JSON.parse(text));
      expect(profile).toEqual({
        username: ada.account.username,
        displayName: null,
        bio: null,
        links: [],
        avatar: null,
        role: 'viewer',
        createdAt: ada.account.createdAt,
      });
      expect(text).not.toContain(ada.account.email);
      expect(text).not.toContain(ada.account.id);
    });

    it('answers an unknown username with 404', async () => {
      await problem(await get('/api/v1/users/nobody_here'), 404, 'not_found');
      await problem(await get(`/api/v1/users/${'x'.repeat(65)}`), 404, 'not_found');
    });

    it('shows the caller their own account, and needs a token for it', async () => {
      const ada = await registerAndLogin(app, backends);
      const response = await get('/api/v1/me', ada.authorization);
      expect(response.status).toBe(200);
      expect(MyAccountSchema.parse(await response.json())).toEqual({
        ...ada.account,
        bio: null,
        links: [],
        avatar: null,
        hasPassword: true,
      });
      await problem(await get('/api/v1/me'), 401, 'invalid_token');
      await problem(await get('/api/v1/me', 'Bearer not.a.token'), 401, 'invalid_token');
    });

    it('updates display name, bio and links of the caller only', async () => {
      const ada = await registerAndLogin(app, backends);
      const bob = await registerAndLogin(app, backends);
      const links = [
        { label: 'Site', url: 'https://ada.example.com/' },
        { label: 'Video', url: 'http://videos.example.com/ada' },
      ];
      const response = await app.request(
        '/api/v1/me',
        jsonBody('PATCH', { displayName: '  Ada L.  ', bio: 'Hello', links }, ada.authorization),
      );
      expect(response.status).toBe(200);
      expect(MyAccountSchema.parse(await response.json())).toMatchObject({
        id: ada.account.id,
        displayName: 'Ada L.',
        bio: 'Hello',
        links,
      });
      const publicView = PublicProfileSchema.parse(
        await (await get(`/api/v1/users/${ada.account.username}`)).json(),
      );
      expect(publicView).toMatchObject({ displayName: 'Ada L.', bio: 'Hello', links });

      // Partial updates leave the rest alone; null and '' clear.
      const cleared = await app.request(
        '/api/v1/me',
        jsonBody('PATCH', { displayName: null, bio: '' }, ada.authorization),
      );
      expect(MyAccountSchema.parse(await cleared.json())).toMatchObject({
        displayName: null,
        bio: null,
        links,
      });

      const untouched = PublicProfileSchema.parse(
        await (await get(`/api/v1/users/${bob.account.username}`)).json(),
      );
      expect(untouched).toMatchObject({ displayName: null, bio: null, links: [] });
    });

    it.each([
      ['an empty body', {}, ['body']],
      ['a too long display name', { displayName: 'x'.repeat(61) }, ['body.displayName']],
      ['an empty display name', { displayName: '   ' }, ['body.displayName']],
      ['a too long bio', { bio: 'x'.repeat(501) }, ['body.bio']],
      ['six links', { links: Array(6).fill({ label: 'a', url: 'https://a.example' }) }, ['body.links']],
      [
        'a long label',
        { links: [{ label: 'x'.repeat(41), url: 'https://a.example' }] },
        ['body.links.0.label'],
      ],
      ['a javascript: link', { links: [{ label: 'x', url: 'javascript:alert(1)' }] }, ['body.links.0.url']],
      ['a relative link', { links: [{ label: 'x', url: '/elsewhere' }] }, ['body.links.0.url']],
      [
        'a long URL',
        { links: [{ label: 'x', url: `https://a.example/${'x'.repeat(300)}` }] },
        ['body.links.0.url'],
      ],
      ['an unknown field', { role: 'admin' }, ['body']],
    ])('refuses %s with 422', async (_name, body, paths) => {
      const ada = await registerAndLogin(app, backends);
      const response = await app.request('/api/v1/me', jsonBody('PATCH', body, ada.authorization));
      const details = await problem(response, 422, 'validation_failed');
      expect([...new Set(details.errors?.map((e) => e.path))]).toEqual(paths);
      const me = MyAccountSchema.parse(await (await get('/api/v1/me', ada.authorization)).json());
      expect(me).toMatchObject({ role: 'viewer', displayName: null, bio: null, links: [] });
    });

    it('needs a token to update, and a JSON body', async () => {
      await problem(await app.request('/api/v1/me', jsonBody('PATCH', { bio: 'x' })), 401, 'invalid_token');
      const ada = await registerAndLogin(app, backends);
      const malformed = await app.request('/api/v1/me', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', Authorization: ada.authorization },
        body: '{"bio": ',
      });
      await problem(malformed, 400, 'malformed_json');
    });
  });

  describe('avatars', () => {
    it('turns a PNG into 256 and 64 px WebP files served with immutable, cross-origin headers', async () => {
      const ada = await registerAndLogin(app, backends);
      const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer();
      const response = await app.request('/api/v1/me/avatar', upload(png, ada.authorization));
      expect(response.status, await response.clone().text()).toBe(200);
      const { avatar } = MyAccountSchema.parse(await response.json());
      expect(avatar?.large).toMatch(
        /^https:\/\/streamhub\.test\/media\/avatars\/[A-Za-z0-9_-]{22}-256\.webp$/,
      );
      expect(avatar?.small).toBe(avatar?.large.replace('-256.webp', '-64.webp'));

      const profile = PublicProfileSchema.parse(
        await (await get(`/api/v1/users/${ada.account.username}`)).json(),
      );
      expect(profile.avatar).toEqual(avatar);

      for (const [url, size] of [
        [avatar?.large, 256],
        [avatar?.small, 64],
      ] as const) {
        const file = await get(new URL(url ?? '').pathname);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-type')).toBe('image/webp');
        expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(file.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
        expect(file.headers.get('x-content-type-options')).toBe('nosniff');
        const metadata = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
        expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', size, size]);
      }
    });

    it('accepts a JPEG, strips its EXIF, and deletes the previous files once replaced', async () => {
      const ada = await registerAndLogin(app, backends);
      const first = MyAccountSchema.parse(
        await (
          await app.request(
            '/api/v1/me/avatar',
            upload(
              await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } })
                .png()
                .toBuffer(),
              ada.authorization,
            ),
          )
        ).json(),
      );
      const firstId = first.avatar?.large.split('/').at(-1)?.replace('-256.webp', '') ?? '';
      expect(await avatarFiles()).toEqual(
        expect.arrayContaining([`${firstId}-256.webp`, `${firstId}-64.webp`]),
      );

      const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: 'green' } })
        .jpeg()
        .withExif({ IFD0: { Copyright: 'exif-marker-xyz', Make: 'CameraMaker' } })
        .toBuffer();
      expect((await sharp(jpeg).metadata()).exif).toBeDefined();
      const response = await app.request(
        '/api/v1/me/avatar',
        upload(jpeg, ada.authorization, 'photo.jpg', 'image/jpeg'),
      );
      expect(response.status).toBe(200);
      const second = MyAccountSchema.parse(await response.json());
      expect(second.avatar?.large).not.toBe(first.avatar?.large);

      const served = Buffer.from(
        await (await get(new URL(second.avatar?.large ?? '').pathname)).arrayBuffer(),
      );
      expect((await sharp(served).metadata()).exif).toBeUndefined();
      expect(served.toString('latin1')).not.toContain('exif-marker-xyz');

      // The old files are gone from disk and from the URL space.
      const files = await avatarFiles();
      expect(files.filter((f) => f.startsWith(firstId))).toEqual([]);
      await problem(await get(new URL(first.avatar?.large ?? '').pathname), 404, 'not_found');
    });

    it('refuses a text file named avatar.png with 415 unsupported_image', async () => {
      const ada = await registerAndLogin(app, backends);
      const before = await avatarFiles();
      const text = new TextEncoder().encode('definitely not a picture\n'.repeat(20));
      const details = await problem(
        await app.request('/api/v1/me/avatar', upload(text, ada.authorization)),
        415,
        'unsupported_image',
      );
      expect(details.detail).toBe(
        'The file is not a supported image. Upload a JPEG, PNG, WebP, GIF or AVIF image.',
      );
      expect(await avatarFiles()).toEqual(before);
      const me = MyAccountSchema.parse(await (await get('/api/v1/me', ada.authorization)).json());
      expect(me.avatar).toBeNull();
    });

    it('accepts an image above the global body limit but within AVATAR_MAX_BYTES', async () => {
      const ada = await registerAndLogin(app, backends);
      const png = await noisePng(1000, 700);
      expect(png.length).toBeGreaterThan(2 * MiB);
      const response = await app.request('/api/v1/me/avatar', upload(png, ada.authorization));
      expect(response.status, await response.clone().text()).toBe(200);
    });

    it('refuses more than AVATAR_MAX_BYTES with 413, streamed or with a lying Content-Length', async () => {
      const ada = await registerAndLogin(app, backends);
      const big = await noisePng(1500, 1250); // ~5.6 MB, a valid image
      expect(big.length).toBeGreaterThan(5 * MiB);

      const streamed = await app.request('/api/v1/me/avatar', upload(big, ada.authorization));
      await problem(streamed, 413, 'payload_too_large');

      const lying = upload(big, ada.authorization);
      const lied = await app.request('/api/v1/me/avatar', {
        ...lying,
        headers: { ...lying.headers, 'Content-Length': '1000' },
      });
      const details = await problem(lied, 413, 'payload_too_large');
      expect(details.detail).toMatch(/avatars may be at most 5242880 bytes/);
    });

    it('answers a missing file field with 422, a non-multipart body with 415, no token with 401', async () => {
      const ada = await registerAndLogin(app, backends);
      const form = new FormData();
      form.append('picture', new Blob([new Uint8Array(10)]), 'a.png');
      const noFile = await app.request('/api/v1/me/avatar', {
        method: 'PUT',
        headers: { Authorization: ada.authorization },
        body: form,
      });
      expect((await problem(noFile, 422, 'validation_failed')).errors?.[0]?.path).toBe('body.file');

      const asJson = await app.request(
        '/api/v1/me/avatar',
        jsonBody('PUT', { file: 'x' }, ada.authorization),
      );
      await problem(asJson, 415, 'unsupported_media_type');

      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
        .png()
        .toBuffer();
      const anonymous = await app.request('/api/v1/me/avatar', { ...upload(png, ''), headers: {} });
      await problem(anonymous, 401, 'invalid_token');
    });

    it('removes the avatar and its files', async () => {
      const ada = await registerAndLogin(app, backends);
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
        .png()
        .toBuffer();
      const set = await setAvatar(png, ada);
      const response = await app.request('/api/v1/me/avatar', {
        method: 'DELETE',
        headers: { Authorization: ada.authorization },
      });
      expect(response.status).toBe(200);
      expect(MyAccountSchema.parse(await response.json()).avatar).toBeNull();
      await problem(await get(new URL(set.avatar?.small ?? '').pathname), 404, 'not_found');
      // Removing again is fine.
      const again = await app.request('/api/v1/me/avatar', {
        method: 'DELETE',
        headers: { Authorization: ada.authorization },
      });
      expect(again.status).toBe(200);
      await problem(await app.request('/api/v1/me/avatar', { method: 'DELETE' }), 401, 'invalid_token');
    });

    it.each([
      'nothing.webp',
      `${'a'.repeat(22)}-128.webp`,
      `${'a'.repeat(22)}-256.png`,
      '..%2F..%2Fsecret',
      '%2e%2e',
    ])('answers 404 for the avatar file name %s', async (name) => {
      await problem(await get(`/media/avatars/${name}`), 404, 'not_found');
    });
  });

  describe('account deletion', () => {
    it('deletes the account with its password: sessions end, the avatar files go, the name is free', async () => {
      const ada = await registerAndLogin(app, backends);
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
        .png()
        .toBuffer();
      const set = await setAvatar(png, ada);
      const avatarId = set.avatar?.large.split('/').at(-1)?.replace('-256.webp', '') ?? '';

      const response = await app.request(
        '/api/v1/me',
        jsonBody('DELETE', { password: ada.password }, ada.authorization),
      );
      expect(response.status).toBe(204);

      expect((await avatarFiles()).filter((f) => f.startsWith(avatarId))).toEqual([]);
      await problem(await get(`/api/v1/users/${ada.account.username}`), 404, 'not_found');
      await problem(await get('/api/v1/me', ada.authorization), 401, 'invalid_token');
      const refresh = await app.request(
        '/api/v1/auth/refresh',
        jsonBody('POST', { refreshToken: ada.refreshToken }),
      );
      await problem(refresh, 401, 'invalid_token');
      // The username and email can be registered again.
      await registerAndLogin(app, backends, { username: ada.account.username });
    });

    it('refuses a wrong password with 403 and keeps the account', async () => {
      const ada = await registerAndLogin(app, backends);
      const wrong = await app.request(
        '/api/v1/me',
        jsonBody('DELETE', { password: `${ada.password}!` }, ada.authorization),
      );
      expect((await problem(wrong, 403, 'forbidden')).detail).toMatch(/password is wrong/);
      expect((await get('/api/v1/me', ada.authorization)).status).toBe(200);

      const missing = await app.request('/api/v1/me', jsonBody('DELETE', {}, ada.authorization));
      expect((await problem(missing, 422, 'validation_failed')).errors?.[0]?.path).toBe('body.password');
      await problem(
        await app.request('/api/v1/me', jsonBody('DELETE', { password: 'x' })),
        401,
        'invalid_token',
      );
    });

    it('lets an account without a password (OAuth only) confirm with its username', async () => {
      const ada = await registerAndLogin(app, backends);
      // An OAuth-only account, as the OAuth flow creates them: no password hash.
      await backends.database.db
        .update(users)
        .set({ passwordHash: null })
        .where(eq(users.id, ada.account.id));
      const me = MyAccountSchema.parse(await (await get('/api/v1/me', ada.authorization)).json());
      expect(me.hasPassword).toBe(false);

      const withPassword = await app.request(
        '/api/v1/me',
        jsonBody('DELETE', { password: ada.password }, ada.authorization),
      );
      expect((await problem(withPassword, 422, 'validation_failed')).errors?.[0]?.path).toBe('body.confirm');
      const wrongName = await app.request(
        '/api/v1/me',
        jsonBody('DELETE', { confirm: 'someone_else' }, ada.authorization),
      );
      await problem(wrongName, 403, 'forbidden');

      const response = await app.request(
        '/api/v1/me',
        jsonBody('DELETE', { confirm: ada.account.username.toUpperCase() }, ada.authorization),
      );
      expect(response.status).toBe(204);
      expect(await new UsersRepository(backends.database.db).findById(ada.account.id)).toBeUndefined();
    });
  });

  describe('admin', () => {
    it('lists and searches users with keyset pages, including private fields', async () => {
      const tag = `pg${randomBytes(3).toString('hex')}`;
      const created = [];
      for (let n = 0; n < 3; n++)
        created.push(await registerAndLogin(app, backends, { username: `${tag}_${n}` }));

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/v1/users?query=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await get(query, admin.authorization);
        expect(response.status).toBe(200);
        const page = UserListSchema.parse(await response.json());
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(created.map((u) => u.account.id));

      const page = UserListSchema.parse(
        await (await get(`/api/v1/users?query=${tag}_1`, admin.authorization)).json(),
      );
      expect(page.items).toEqual([
        {
          id: created[1]?.account.id,
          email: created[1]?.account.email,
          username: `${tag}_1`,
          displayName: null,
          role: 'viewer',
          status: 'active',
          emailVerified: false,
          avatar: null,
          createdAt: created[1]?.account.createdAt,
        },
      ]);
    });

    it('refuses the list to non-admins and anonymous callers, and bad query parameters', async () => {
      const viewer = await registerAndLogin(app, backends);
      const moderator = await registerAndLogin(app, backends, { role: 'moderator' });
      await problem(await get('/api/v1/users'), 401, 'invalid_token');
      await problem(await get('/api/v1/users', viewer.authorization), 403, 'forbidden');
      await problem(await get('/api/v1/users', moderator.authorization), 403, 'forbidden');
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=forged']) {
        const response = await get(`/api/v1/users?${query}`, admin.authorization);
        const details = await problem(response, 422, 'validation_failed');
        expect(details.errors?.[0]?.path).toBe(`query.${query.split('=')[0]}`);
      }
    });

    it('creates a verified account with a role, which can log in at once', async () => {
      const name = `made_${randomBytes(3).toString('hex')}`;
      const body = {
        email: `${name}@Example.com`,
        username: name,
        password: 'a fine long password',
        role: 'streamer',
      };
      const response = await app.request('/api/v1/users', jsonBody('POST', body, admin.authorization));
      expect(response.status, await response.clone().text()).toBe(201);
      const text = await response.text();
      expect(text).not.toContain('password');
      const created = AdminUserSchema.strict().parse(JSON.parse(text));
      expect(created).toMatchObject({
        email: `${name}@example.com`,
        username: name,
        role: 'streamer',
        status: 'active',
        emailVerified: true,
      });
      const pair = await login(app, body.email, body.password);
      const me = await get('/api/v1/me', `Bearer ${pair.accessToken}`);
      expect(MyAccountSchema.parse(await me.json())).toMatchObject({ id: created.id, role: 'streamer' });

      // The role defaults to viewer.
      const plain = {
        email: `${name}_2@example.com`,
        username: `${name}_2`,
        password: 'a fine long password',
      };
      const viewer = await app.request('/api/v1/users', jsonBody('POST', plain, admin.authorization));
      expect(AdminUserSchema.parse(await viewer.json()).role).toBe('viewer');
    });

    it('answers account creation: 401 anonymous, 403 non-admin, 400/422 bad input, 409 taken', async () => {
      const viewer = await registerAndLogin(app, backends);
      const name = `taken_${randomBytes(3).toString('hex')}`;
      const good = { email: `${name}@example.com`, username: name, password: 'a fine long password' };
      const post = (body: unknown, authorization?: string) =>
        app.request('/api/v1/users', jsonBody('POST', body, authorization));

      await problem(await post(good), 401, 'invalid_token');
      await problem(await post(good, viewer.authorization), 403, 'forbidden');
      const malformed = await app.request('/api/v1/users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: admin.authorization },
        body: '{"email":',
      });
      await problem(malformed, 400, 'malformed_json');
      for (const [bad, path] of [
        [{ ...good, email: 'nope' }, 'body.email'],
        [{ ...good, username: '9lives' }, 'body.username'],
        [{ ...good, password: 'short' }, 'body.password'],
        [{ ...good, role: 'emperor' }, 'body.role'],
        [{ ...good, status: 'active' }, 'body'],
      ] as const) {
        const details = await problem(await post(bad, admin.authorization), 422, 'validation_failed');
        expect(details.errors?.[0]?.path).toBe(path);
      }
      expect((await post(good, admin.authorization)).status).toBe(201);
      const sameName = await problem(
        await post({ ...good, email: `other_${name}@example.com` }, admin.authorization),
        409,
        'conflict',
      );
      expect(sameName.detail).toMatch(/username/);
      const sameEmail = await problem(
        await post({ ...good, username: `${name}_b` }, admin.authorization),
        409,
        'conflict',
      );
      expect(sameEmail.detail).toMatch(/email/);
      // Nothing else was created along the way.
      const list = UserListSchema.parse(
        await (await get(`/api/v1/users?query=${name}`, admin.authorization)).json(),
      );
      expect(list.items.map((u) => u.username)).toEqual([name]);
    });

    it('changes a role, effective on the next request of the target', async () => {
      const bob = await registerAndLogin(app, backends);
      await problem(await get('/api/v1/users', bob.authorization), 403, 'forbidden');

      const response = await app.request(
        `/api/v1/users/${bob.account.id}/role`,
        jsonBody('PUT', { role: 'admin' }, admin.authorization),
      );
      expect(response.status).toBe(200);
      expect(AdminUserSchema.parse(await response.json())).toMatchObject({
        id: bob.account.id,
        role: 'admin',
      });
      // Bob's existing token now carries admin rights.
      expect((await get('/api/v1/users', bob.authorization)).status).toBe(200);

      const demoted = await app.request(
        `/api/v1/users/${bob.account.id}/role`,
        jsonBody('PUT', { role: 'streamer' }, admin.authorization),
      );
      expect(AdminUserSchema.parse(await demoted.json()).role).toBe('streamer');
      await problem(await get('/api/v1/users', bob.authorization), 403, 'forbidden');
    });

    it('answers role changes: 404 unknown, 422 bad input, 403 non-admin, 409 self-demotion', async () => {
      const viewer = await registerAndLogin(app, backends);
      const unknown = '00000000-0000-4000-8000-000000000000';
      const put = (id: string, body: unknown, authorization?: string) =>
        app.request(`/api/v1/users/${id}/role`, jsonBody('PUT', body, authorization));

      await problem(await put(unknown, { role: 'streamer' }, admin.authorization), 404, 'not_found');
      await problem(
        await put('not-a-uuid', { role: 'streamer' }, admin.authorization),
        422,
        'validation_failed',
      );
      await problem(
        await put(viewer.account.id, { role: 'emperor' }, admin.authorization),
        422,
        'validation_failed',
      );
      await problem(await put(viewer.account.id, { role: 'admin' }, viewer.authorization), 403, 'forbidden');
      await problem(await put(viewer.account.id, { role: 'admin' }), 401, 'invalid_token');

      const self = await problem(
        await put(admin.account.id, { role: 'viewer' }, admin.authorization),
        409,
        'conflict',
      );
      expect(self.detail).toMatch(/your own admin role/);
      expect((await get('/api/v1/users', admin.authorization)).status).toBe(200);
    });

    it('suspends a user: their token stops working on the next request, their sessions end', async () => {
      const bob = await registerAndLogin(app, backends);
      expect((await get('/api/v1/me', bob.authorization)).status).toBe(200);

      const response = await app.request(`/api/v1/users/${bob.account.id}/suspend`, {
        method: 'POST',
        headers: { Authorization: admin.authorization },
      });
      expect(response.status).toBe(200);
      expect(AdminUserSchema.parse(await response.json())).toMatchObject({
        id: bob.account.id,
        status: 'suspended',
      });

      const next = await get('/api/v1/me', bob.authorization);
      expect([401, 403]).toContain(next.status);
      const refresh = await app.request(
        '/api/v1/auth/refresh',
        jsonBody('POST', { refreshToken: bob.refreshToken }),
      );
      expect([401, 403]).toContain(refresh.status);
      const relogin = await app.request(
        '/api/v1/auth/login',
        jsonBody('POST', { email: bob.account.email, password: bob.password }),
      );
      await problem(relogin, 403, 'account_suspended');

      // Unsuspended, Bob logs in again; the sessions the suspension ended stay ended.
      const lifted = await app.request(`/api/v1/users/${bob.account.id}/unsuspend`, {
        method: 'POST',
        headers: { Authorization: admin.authorization },
      });
      expect(AdminUserSchema.parse(await lifted.json()).status).toBe('active');
      await problem(await get('/api/v1/me', bob.authorization), 401, 'invalid_token');
      const tokens = await login(app, bob.account.email, bob.password);
      expect((await get('/api/v1/me', `Bearer ${tokens.accessToken}`)).status).toBe(200);
    });

    it('answers suspensions: 409 for oneself, 404 unknown, 422 bad id, 403 non-admin, 401 anonymous', async () => {
      const viewer = await registerAndLogin(app, backends);
      const post = (path: string, authorization?: string) =>
        app.request(path, {
          method: 'POST',
          ...(authorization ? { headers: { Authorization: authorization } } : {}),
        });

      const self = await problem(
        await post(`/api/v1/users/${admin.account.id}/suspend`, admin.authorization),
        409,
        'conflict',
      );
      expect(self.detail).toBe('You cannot suspend your own account.');
      expect((await get('/api/v1/me', admin.authorization)).status).toBe(200);

      for (const action of ['suspend', 'unsuspend']) {
        await problem(
          await post(`/api/v1/users/00000000-0000-4000-8000-000000000000/${action}`, admin.authorization),
          404,
          'not_found',
        );
        await problem(
          await post(`/api/v1/users/nope/${action}`, admin.authorization),
          422,
          'validation_failed',
        );
        await problem(
          await post(`/api/v1/users/${admin.account.id}/${action}`, viewer.authorization),
          403,
          'forbidden',
        );
        await problem(await post(`/api/v1/users/${viewer.account.id}/${action}`), 401, 'invalid_token');
      }
      expect((await get('/api/v1/me', viewer.authorization)).status).toBe(200);
    });
  });

  it('documents every users route with an operationId in /openapi.json', async () => {
    // Other domains mount routes under /api/v1/me/… too (following, videos): count this router's own.
    expect(await operationIdsTagged(app, 'users')).toEqual(
      [
        'createUser',
        'deleteMyAccount',
        'deleteMyAvatar',
        'getAvatarFile',
        'getMyAccount',
        'getUserProfile',
        'listUsers',
        'setMyAvatar',
        'setUserRole',
        'suspendUser',
        'unsuspendUser',
        'updateMyProfile',
      ].sort(),
    );
  });
});
