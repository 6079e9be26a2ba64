/** Prints records as a table for people or as JSON lines for scripts. */
import type { CliContext } from './cli-context.ts';

export function printRecords(ctx: CliContext, rows: Record<string, string>[], json: boolean): void {
  if (json) {
    ctx.stdout(`${JSON.stringify(rows)}\n`);
    return;
  }
  const first = rows[0];
  if (!first) {
    ctx.stdout('(none)\n');
    return;
  }
  const columns = Object.keys(first);
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `${cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  ctx.stdout(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) ctx.stdout(line(columns.map((c) => row[c] ?? '')));
}
