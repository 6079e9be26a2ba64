/**
 * s3rver in a process of its own, for the upload measure: the uploader's CPU and the store's are then
 * read apart. Prints the server's settings as one JSON line on stdout; stops on SIGTERM.
 *
 *   node --import tsx bench/storage/s3-process.ts <bucket>
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';

export interface ChildProcess<T> {
  /** What the child printed as its first line, parsed as JSON. */
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `script` on Node with tsx and waits for the JSON line it prints once it is ready. */
export async function startChildProcess<T>(script: string, args: string[]): Promise<ChildProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  lines.close();
  return {
    ready: JSON.parse(first) as T,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface S3Process {
  server: Omit<TestS3Server, 'stop'>;
  pid: number;
  stop(): Promise<void>;
}

/** Starts this file as a child process and waits for its settings. */
export async function startS3Process(bucket: string): Promise<S3Process> {
  const { ready, pid, stop } = await startChildProcess<S3Process['server']>(
    new URL(import.meta.url).pathname,
    [bucket],
  );
  return { server: ready, pid, stop };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const server = await startTestS3Server(process.argv[2] ?? 'bench-upload');
  const { stop, ...settings } = server;
  process.stdout.write(`${JSON.stringify(settings)}\n`);
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
}
