/** Runs the real `streamhub` binary in a child process, on Node (tsx) or Bun, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../bin/streamhub.mjs', import.meta.url));

export type Runtime = 'node' | 'bun';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd: string;
  runtime?: Runtime;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
}

// Tests pass the whole environment explicitly so that the developer's shell (or a .env) cannot leak in.
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env };
}

export function startCli(args: string[], options: CliOptions): ChildProcess & { output(): CliResult } {
  const runtime = options.runtime ?? 'node';
  const child = spawn(runtime, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

/** Runs a command to completion. */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = startCli(args, options);
  // 'close', unlike 'exit', waits until stdout and stderr are drained.
  const [code] = (await once(child, 'close')) as [number | null];
  return { ...child.output(), code };
}

/** Polls `url` until it answers 2xx or the deadline passes. */
export async function waitForOk(url: string, timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function waitForExit(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}
