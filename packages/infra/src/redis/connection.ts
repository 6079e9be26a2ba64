/** node-redis connections for the Redis-backed ports: connect with a deadline, namespace keys, close cleanly. */
import { createClient, type RedisClientType } from 'redis';
import { resolvePrefix } from '../shared/prefix.ts';
import { toError, withDeadline } from '../shared/timers.ts';

export type RedisClient = RedisClientType;

export interface RedisConnectOptions {
  url: string;
  /** Namespace for keys and channels; a missing trailing `:` is added. Defaults to `streamhub:`. */
  prefix?: string;
  /** Shown by `CLIENT LIST`, so an operator can tell which port holds a connection. */
  name?: string;
  /** Errors after connecting (lost connection, reconnect failures). Defaults to stderr. */
  onError?: (error: Error) => void;
  /** How long the first connect may take before start-up fails. Defaults to 5 s. */
  connectTimeoutMs?: number;
}

export interface RedisConnection {
  readonly client: RedisClient;
  /** Resolved prefix, always ending in `:` (or empty). */
  readonly prefix: string;
  /** `prefix + name`: the only way a port should build a key or channel. */
  key(name: string): string;
  /** Resolves when Redis answers PONG within `timeoutMs` (default 1 s); rejects otherwise. For `/readyz`. */
  ping(timeoutMs?: number): Promise<void>;
  /** Waits for in-flight commands (bounded), then drops the socket. Safe to call twice. */
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 2_000;

/** The URL without its password, for messages that may reach a log. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid Redis URL>';
  }
}

/**
 * Connects a node-redis client, failing with one clear error when Redis is not reachable in time
 * (node-redis alone would keep retrying forever and queue every command meanwhile).
 */
export async function connectRedisClient(options: RedisConnectOptions): Promise<RedisClient> {
  const onError = options.onError ?? defaultOnError;
  const client = createClient({ url: options.url, ...(options.name ? { name: options.name } : {}) });
  let connected = false;
  let lastError: Error | undefined;
  // Without an 'error' listener node-redis errors would crash the process; while the first connect
  // is pending they are retries that the deadline below turns into one failure instead.
  client.on('error', (error: unknown) => {
    if (connected) onError(toError(error));
    else lastError = toError(error);
  });
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  try {
    await withDeadline(client.connect(), timeoutMs, () => {
      const cause = lastError ? ` (${lastError.message})` : '';
      return new Error(
        `Redis at ${redactRedisUrl(options.url)} did not answer within ${timeoutMs} ms${cause}`,
      );
    });
  } catch (error) {
    client.destroy();
    throw error;
  }
  connected = true;
  return client;
}

/** Closes a client gracefully within a bound, then forcibly; never throws. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  try {
    await withDeadline(client.close(), CLOSE_TIMEOUT_MS, () => new Error('Redis close timed out'));
  } catch {
    if (client.isOpen) client.destroy();
  }
}

/** Opens a prefixed connection; see {@link RedisConnectOptions}. */
export async function openRedisConnection(options: RedisConnectOptions): Promise<RedisConnection> {
  const client = await connectRedisClient(options);
  const prefix = resolvePrefix(options.prefix);
  let closing: Promise<void> | undefined;
  return {
    client,
    prefix,
    key: (name) => prefix + name,
    async ping(timeoutMs = 1_000) {
      const reply = await withDeadline(
        client.ping(),
        timeoutMs,
        () => new Error(`Redis did not answer PING within ${timeoutMs} ms`),
      );
      if (reply !== 'PONG') throw new Error(`Unexpected PING reply from Redis: ${String(reply)}`);
    },
    close() {
      closing ??= closeRedisClient(client);
      return closing;
    },
  };
}

/**
 * A publishing and a subscribing connection (a node-redis client in subscriber mode cannot publish),
 * named `<name>:pub` and `<name>:sub`. If the second cannot connect, the first is closed again.
 */
export async function openPubSubConnections(
  options: RedisConnectOptions & { name: string },
): Promise<{ publisher: RedisConnection; subscriber: RedisConnection }> {
  const publisher = await openRedisConnection({ ...options, name: `${options.name}:pub` });
  try {
    const subscriber = await openRedisConnection({ ...options, name: `${options.name}:sub` });
    return { publisher, subscriber };
  } catch (error) {
    await publisher.close();
    throw error;
  }
}

function defaultOnError(error: Error): void {
  console.error(`[streamhub:redis] ${error.message}`);
}
