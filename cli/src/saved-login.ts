/**
 * The login `streamhub login` keeps: `$XDG_CONFIG_HOME/streamhub/login.json` (else
 * `~/.config/streamhub/login.json`), mode 0600 in a 0700 directory. It holds the gateway URL and the
 * session's refresh token, which the gateway rotates on every use and whose reuse revokes the whole
 * session. So every write is atomic (temp file + rename), and renewals across processes are serialised
 * by a lock file: a process that waited reads the token the winner saved instead of replaying the old one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';

export const SavedLoginSchema = z.object({
  version: z.literal(1),
  /** The gateway's origin, used by later commands that get no --url. */
  url: z.string(),
  email: z.string(),
  refreshToken: z.string(),
  accessToken: z.string(),
  /** Epoch milliseconds, from the client's clock when the token was received. */
  accessTokenExpiresAt: z.number(),
});
export type SavedLogin = z.infer<typeof SavedLoginSchema>;

const LOCK_WAIT_MS = 20_000;
const LOCK_POLL_MS = 50;

/** `$XDG_CONFIG_HOME/streamhub`, else `~/.config/streamhub`; from the context's env so tests can move it. */
export function configDir(ctx: CliContext): string {
  const base = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), '.config');
  return join(base, 'streamhub');
}

export const savedLoginPath = (ctx: CliContext): string => join(configDir(ctx), 'login.json');

/** The saved login, or undefined when there is none. A damaged file is a one-line error, not a stack. */
export async function readSavedLogin(ctx: CliContext): Promise<SavedLogin | undefined> {
  const path = savedLoginPath(ctx);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the saved login ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {}
  const login = SavedLoginSchema.safeParse(parsed);
  if (!login.success)
    throw new CliError(`the saved login ${path} is damaged: delete it and run \`streamhub login\``);
  return login.data;
}

/** Replaces the saved login atomically: a reader sees the old file or the new one, never half of one. */
export async function saveLogin(ctx: CliContext, login: SavedLogin): Promise<void> {
  const dir = configDir(ctx);
  await ensurePrivateDir(dir);
  const path = savedLoginPath(ctx);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot save the login to ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Deletes the saved login; false when there was none. */
export async function deleteSavedLogin(ctx: CliContext): Promise<boolean> {
  try {
    await unlink(savedLoginPath(ctx));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not change a directory that already exists (or is narrowed by the umask only).
  await chmod(dir, 0o700);
}

/**
 * Runs `work` while holding `login.json.lock` (the holder's pid inside). A lock left by a process that
 * no longer runs is taken over; a live holder is waited for, up to 20 s.
 */
export async function withLoginLock<T>(ctx: CliContext, work: () => Promise<T>): Promise<T> {
  const dir = configDir(ctx);
  await ensurePrivateDir(dir);
  const lock = `${savedLoginPath(ctx)}.lock`;
  // Written aside and hard-linked into place, so the lock never exists without the holder's pid in it.
  const mine = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  try {
    for (;;) {
      try {
        await link(mine, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (holder > 0 && !isRunning(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new CliError(
          `another streamhub process (pid ${holder}) holds ${lock}; if none is running, delete that file`,
        );
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  } finally {
    await rm(mine, { force: true });
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
