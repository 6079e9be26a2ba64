/**
 * One process per embedded data directory. PGlite is a single-process database: a second process that
 * opens the same files sees a stale copy, and whatever it writes is lost or corrupts the directory. So
 * every process that opens `<dataDir>/db` first takes `<dataDir>/db.lock`, a file naming its holder
 * (pid, command, start, the gateway URL once it serves one), and removes it when it closes or exits.
 * A lock left by a killed process is recognised (the pid is gone, or now belongs to another process)
 * and taken over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** What the lock file says about the process that holds the directory. */
export interface DataDirHolder {
  pid: number;
  hostname: string;
  /** How the holder was started, e.g. `streamhub dev` (never its options: they may hold secrets). */
  command: string;
  startedAt: string;
  /**
   * The kernel's start time of the process (`/proc/<pid>/stat`, field 22), null where there is no
   * `/proc`. A pid that is alive with another start time was reused by an unrelated process.
   */
  processStart: string | null;
  /** The gateway the holder serves, once it listens: CLI commands can do their work through it. */
  url: string | null;
  /** Tells this holder's file from a later one at the same path. */
  token: string;
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly holder: DataDirHolder;
  /** Records the gateway URL this process serves in the lock file. */
  setUrl(url: string): Promise<void>;
  /** Removes the lock file if it is still this process's. Safe to call more than once. */
  release(): Promise<void>;
}

/** The directory is held by another live process (or by this one, through another open). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
  ) {
    super(`${dataDir} is in use by ${describeHolder(holder)}`);
    this.name = 'DataDirLockedError';
  }
}

export const DATA_DIR_LOCK_FILE = 'db.lock';

/** e.g. `pid 1234, streamhub dev` (with the host when it is another machine's). */
export function describeHolder(holder: DataDirHolder): string {
  const host = holder.hostname === hostname() ? '' : ` on ${holder.hostname}`;
  return `pid ${holder.pid}${host}, ${holder.command}`;
}

const lockPath = (dataDir: string) => join(dataDir, DATA_DIR_LOCK_FILE);

// The locks this process holds, by resolved directory: a second open in the same process is refused too.
const held = new Map<string, DataDirLock>();

// Each round either creates the file or removes one stale holder; more rounds mean others keep racing.
const ACQUIRE_ROUNDS = 5;

/**
 * Takes the exclusive lock of `dataDir` (created if missing) or throws `DataDirLockedError` naming the
 * live holder. A stale lock (its process is gone, or its pid was reused) is replaced.
 */
export async function lockDataDir(dataDir: string, options: { command?: string } = {}): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const mine = held.get(dir);
  if (mine) throw new DataDirLockedError(dataDir, mine.holder);
  await mkdir(dir, { recursive: true });
  const holder: DataDirHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command ?? commandOfThisProcess(),
    startedAt: new Date().toISOString(),
    processStart: await processStartTime(process.pid),
    url: null,
    token: randomBytes(12).toString('base64url'),
  };
  const path = lockPath(dir);
  for (let round = 0; round < ACQUIRE_ROUNDS; round++) {
    if (await createExclusively(path, holder)) return register(dir, path, holder);
    const existing = await readHolder(path);
    if (existing === 'missing') continue;
    if (existing !== 'unreadable' && (await isAlive(existing)))
      throw new DataDirLockedError(dataDir, existing);
    await removeStale(path, existing === 'unreadable' ? undefined : existing.token);
  }
  throw new Error(`could not take ${path}: other processes keep taking it`);
}

/** The live process that holds `dataDir`, if any; a stale lock file counts as none. */
export async function dataDirHolder(dataDir: string): Promise<DataDirHolder | undefined> {
  const existing = await readHolder(lockPath(resolve(dataDir)));
  if (existing === 'missing' || existing === 'unreadable') return undefined;
  return (await isAlive(existing)) ? existing : undefined;
}

/** The lock this process holds on `dataDir`, if it holds one. */
export function heldDataDirLock(dataDir: string): DataDirLock | undefined {
  return held.get(resolve(dataDir));
}

function register(dir: string, path: string, initial: DataDirHolder): DataDirLock {
  let holder = initial;
  // A process that ends without closing (process.exit, an uncaught error) still removes its lock.
  // SIGKILL and crashes cannot: the next process finds the pid gone and takes over.
  const onExit = () => {
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.token === holder.token) unlinkSync(path);
    } catch {}
  };
  process.on('exit', onExit);
  let released: Promise<void> | undefined;
  const lock: DataDirLock = {
    dataDir: dir,
    get holder() {
      return holder;
    },
    async setUrl(url) {
      if (released) return;
      holder = { ...holder, url };
      // Write then rename, so a reader never sees a half-written file.
      const temporary = `${path}.${holder.token}.tmp`;
      await writeFile(temporary, JSON.stringify(holder));
      await rename(temporary, path);
    },
    release() {
      released ??= (async () => {
        process.off('exit', onExit);
        held.delete(dir);
        const current = await readHolder(path);
        if (typeof current === 'object' && current.token === holder.token) await unlinkIfPresent(path);
      })();
      return released;
    },
  };
  held.set(dir, lock);
  return lock;
}

/**
 * Creates the lock file with its whole content in one atomic step: the content goes to a private file
 * that is then hard-linked to the lock's name, which fails if the name exists. (An `O_EXCL` create
 * followed by a write would let a racing reader see an empty file and take it for a stale one.)
 */
async function createExclusively(path: string, holder: DataDirHolder): Promise<boolean> {
  const temporary = `${path}.${holder.token}.tmp`;
  await writeFile(temporary, JSON.stringify(holder), { flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlinkIfPresent(temporary);
  }
}

/**
 * Removes the lock file only if it is still the stale one that was judged: it is first moved aside
 * (atomic), then checked. If another process replaced it meanwhile with a fresh lock, that lock is put
 * back. `token` undefined: the file was unreadable, and is removed whatever it holds now.
 */
async function removeStale(path: string, token: string | undefined): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('base64url')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (token !== undefined && typeof moved === 'object' && moved.token !== token) {
    await link(aside, path).catch(() => {});
  }
  await unlinkIfPresent(aside);
}

async function readHolder(path: string): Promise<DataDirHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
  return parseHolder(text) ?? 'unreadable';
}

function parseHolder(text: string): DataDirHolder | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (!Number.isInteger(v.pid) || typeof v.token !== 'string' || typeof v.hostname !== 'string')
      return undefined;
    const optional = (key: string) => (typeof v[key] === 'string' ? v[key] : null);
    return {
      pid: Number(v.pid),
      hostname: v.hostname,
      command: optional('command') ?? 'an unknown command',
      startedAt: optional('startedAt') ?? '',
      processStart: optional('processStart'),
      url: optional('url'),
      token: v.token,
    };
  } catch {
    return undefined;
  }
}

/**
 * A holder on another host cannot be checked from here, so it counts as alive: better a refusal
 * naming it than two writers.
 */
async function isAlive(holder: DataDirHolder): Promise<boolean> {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user.
    if (errorCode(error) !== 'EPERM') return false;
  }
  if (holder.processStart === null) return true;
  const start = await processStartTime(holder.pid);
  return start === null || start === holder.processStart;
}

/** Field 22 of `/proc/<pid>/stat` (clock ticks since boot); null without `/proc`. */
async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** `streamhub serve api` from `node …/streamhub.mjs serve api --migrate`: the words before any option. */
function commandOfThisProcess(): string {
  const script = basename(process.argv[1] ?? process.argv0).replace(/\.[cm]?[jt]s$/, '');
  const words: string[] = [];
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  return [script, ...words].join(' ');
}

async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
