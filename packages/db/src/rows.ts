/**
 * The rows of a raw `db.execute` result, whichever driver ran it: postgres-js
 * answers an array of rows, PGlite an object that holds them in `rows`.
 * Typed queries go through drizzle's builders; this is for hand-written SQL.
 */
export function rowsOf<Row = Record<string, unknown>>(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
