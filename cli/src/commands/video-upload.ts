/**
 * The client side of tus 1.0.0 for `streamhub video upload`: create, PATCH chunks read from the file at
 * the server's offset, and resume. The upload URL is remembered per file (path, size, mtime) in a small
 * state file, so a run after an interruption HEADs it and continues where the server stopped.
 */
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { encodeUploadMetadata } from '@streamhub/api/domains/videos/tus';
import { type ApiClient, problemError } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const TUS = { 'Tus-Resumable': '1.0.0' };
const REQUEST_TIMEOUT_MS = 120_000;
const RETRIES = 3;
// A crashed replica's writer lease lapses within 30 s (docs/videos.md); wait a little longer than that.
const BUSY_WAIT_MAX_MS = 45_000;

export interface UploadRequest {
  file: string;
  metadata: Record<string, string | undefined>;
  /** Sends every request with the caller's credentials, renewing a saved login's token as needed. */
  api: ApiClient;
  chunkBytes: number;
  onProgress(sent: number, total: number): void;
  /** Told when an earlier upload of the file is continued. */
  onResume(offset: number, total: number): void;
}

/** `$XDG_STATE_HOME/streamhub/uploads.json`, else `~/.local/state/streamhub/uploads.json`. */
export function uploadStatePath(ctx: CliContext): string {
  const base = ctx.env.XDG_STATE_HOME || join(ctx.env.HOME || homedir(), '.local', 'state');
  return join(base, 'streamhub', 'uploads.json');
}

type UploadStates = Record<string, string>;

async function readStates(path: string): Promise<UploadStates> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return {};
  }
}

async function updateStates(path: string, change: (states: UploadStates) => void): Promise<void> {
  const states = await readStates(path);
  change(states);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(states, null, 2), { mode: 0o600 });
  await rename(temporary, path);
}

/** Uploads `request.file` and resolves to the new video's id. */
export async function tusUpload(ctx: CliContext, request: UploadRequest): Promise<string> {
  const path = resolve(ctx.cwd, request.file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`${request.file} is not a readable file`);
  if (info.size === 0) throw new CliError(`${request.file} is empty`);
  const statePath = uploadStatePath(ctx);
  // A changed file (size or mtime) is a new upload; the server's copy of the old one expires.
  const { api } = request;
  const key = `${api.origin}|${path}|${info.size}|${Math.floor(info.mtimeMs)}`;
  const send = (url: string, init: RequestInit) => api.send(url, { ...init, timeoutMs: REQUEST_TIMEOUT_MS });

  let url = (await readStates(statePath))[key];
  let offset = 0;
  if (url) {
    const head = await send(url, { method: 'HEAD', headers: TUS });
    if (head.ok) {
      offset = Number(head.headers.get('upload-offset') ?? '0');
      request.onResume(offset, info.size);
    } else {
      url = undefined;
    }
  }
  if (!url) {
    const created = await send(new URL('/api/v1/uploads', api.origin).href, {
      method: 'POST',
      headers: {
        ...TUS,
        'Upload-Length': String(info.size),
        'Upload-Metadata': encodeUploadMetadata(request.metadata),
      },
    });
    if (created.status !== 201) throw await problem(created);
    url = new URL(created.headers.get('location') ?? '', api.origin).href;
    const remembered = url;
    await updateStates(statePath, (states) => {
      states[key] = remembered;
    });
  }
  const videoId = url.split('/').at(-1) ?? '';
  request.onProgress(offset, info.size);

  const file = await open(path, 'r');
  try {
    let failures = 0;
    let busyWaitedMs = 0;
    let busyDelayMs = 1_000;
    while (offset < info.size) {
      const length = Math.min(request.chunkBytes, info.size - offset);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await file.read(chunk, 0, length, offset);
      let response: Response;
      try {
        response = await send(url, {
          method: 'PATCH',
          headers: {
            ...TUS,
            'Content-Type': 'application/offset+octet-stream',
            'Upload-Offset': String(offset),
          },
          body: chunk.subarray(0, bytesRead),
        });
      } catch (error) {
        // A dropped connection: ask the server what it kept, then go on from there.
        if (++failures > RETRIES) throw error;
        await new Promise((done) => setTimeout(done, 500 * failures));
        const head = await send(url, { method: 'HEAD', headers: TUS });
        if (!head.ok) throw await problem(head);
        offset = Number(head.headers.get('upload-offset') ?? offset);
        continue;
      }
      if (response.status === 409) {
        const { code, error: refusal } = await readProblem(response);
        if (code === 'upload_busy') {
          // Another writer holds the upload (or a crashed replica's lease has not lapsed yet): wait it out.
          busyWaitedMs += busyDelayMs;
          if (busyWaitedMs > BUSY_WAIT_MAX_MS) throw refusal;
          await new Promise((done) => setTimeout(done, busyDelayMs));
          busyDelayMs = Math.min(busyDelayMs * 2, 8_000);
        } else if (++failures > RETRIES) throw refusal;
        const head = await send(url, { method: 'HEAD', headers: TUS });
        if (!head.ok) throw await problem(head);
        offset = Number(head.headers.get('upload-offset') ?? offset);
        continue;
      }
      busyWaitedMs = 0;
      busyDelayMs = 1_000;
      if (!response.ok) {
        // Refused for good (not a video, expired, deleted): a next run must start afresh.
        if (response.status < 500) await forget(statePath, key);
        throw await problem(response);
      }
      failures = 0;
      offset = Number(response.headers.get('upload-offset') ?? offset + bytesRead);
      request.onProgress(offset, info.size);
    }
  } finally {
    await file.close();
  }
  await forget(statePath, key);
  return videoId;
}

const forget = (statePath: string, key: string) =>
  updateStates(statePath, (states) => {
    delete states[key];
  });

async function problem(response: Response): Promise<CliError> {
  return (await readProblem(response)).error;
}

/** The problem's stable `code` (undefined when the body is not problem+json) and the one-line error. */
async function readProblem(response: Response): Promise<{ code: string | undefined; error: CliError }> {
  const error = problemError(response.status, await response.json().catch(() => undefined));
  return { code: error.code, error };
}
