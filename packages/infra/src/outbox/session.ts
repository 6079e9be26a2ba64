/**
 * The few driver-specific things the relay needs: one connection of its own (the leadership lock is
 * held by a session), plain SQL on it, and LISTEN. Both drivers run the same SQL.
 */
import type { Database } from '@streamhub/db/client';

type Row = Record<string, unknown>;

export interface SqlSession {
  query<T extends Row>(text: string, params?: (string | number)[]): Promise<T[]>;
  release(): Promise<void>;
}

/**
 * PostgreSQL: a connection reserved from the pool for as long as the session lives. PGlite: its one
 * connection (PGlite is one session per process; the relay claims leadership in-process instead).
 */
export async function openSqlSession(database: Database): Promise<SqlSession> {
  if (database.driver === 'pglite') {
    const client = database.client;
    return {
      query: async <T extends Row>(text: string, params: (string | number)[] = []) =>
        (await client.query<T>(text, params)).rows,
      release: async () => {},
    };
  }
  const reserved = await database.client.reserve();
  return {
    query: async <T extends Row>(text: string, params: (string | number)[] = []) => [
      ...(await reserved.unsafe<T[]>(text, params)),
    ],
    release: async () => reserved.release(),
  };
}

/** Plain SQL on the shared pool (metrics), without holding a connection. */
export async function poolQuery<T extends Row>(database: Database, text: string): Promise<T[]> {
  if (database.driver === 'pglite') return (await database.client.query<T>(text)).rows;
  return [...(await database.client.unsafe<T[]>(text))];
}

/**
 * Calls `onNotify` for every NOTIFY on `channel` until the returned function is called. PostgreSQL
 * gives LISTEN its own connection; PGlite delivers its own process's notifications.
 */
export async function listenTo(
  database: Database,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  if (database.driver === 'pglite') {
    const unlisten = await database.client.listen(channel, onNotify);
    return () => unlisten();
  }
  const request = await database.client.listen(channel, onNotify);
  return () => request.unlisten();
}
