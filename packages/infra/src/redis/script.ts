/** Lua scripts run by SHA, falling back to the source once after a Redis restart or SCRIPT FLUSH. */
import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.ts';

export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

/** Wraps Lua source with its SHA1 so callers send the 40-byte hash instead of the script each time. */
export function defineRedisScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs `script` atomically with EVALSHA, and with EVAL when the server does not know it yet. */
export async function runRedisScript(
  client: RedisClient,
  script: RedisScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const options = { keys, arguments: args };
  try {
    return await client.evalSha(script.sha, options);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, options);
  }
}
