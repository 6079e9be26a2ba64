/**
 * The gateway variants the ablation compares with `full` (the gateway as `createApp` builds it now):
 * the middleware stack as it was before issue 19 (nine async layers), that old stack with one of the
 * issue's changes applied at a time, and no middleware at all.
 */

/** A change of issue 19 that can be applied to the old stack on its own. */
export type Change = 'deadline-queue' | 'bound-metrics' | 'text-guard-fast-path';

export type Variant =
  /** `createApp` itself: the current gateway. */
  | { name: 'full' }
  /** createApp's routes with no middleware (a stand-in puts deps into c.var). */
  | { name: 'none' }
  /** The old stack (bench-only copies of its middleware, `servers/legacy-stack.ts`) plus `changes`. */
  | { name: string; legacy: true; changes: readonly Change[] };

export const VARIANTS: readonly Variant[] = [
  { name: 'full' },
  { name: 'before', legacy: true, changes: [] },
  { name: 'before+deadline-queue', legacy: true, changes: ['deadline-queue'] },
  { name: 'before+bound-metrics', legacy: true, changes: ['bound-metrics'] },
  { name: 'before+text-guard-fast-path', legacy: true, changes: ['text-guard-fast-path'] },
  { name: 'none' },
];

export function findVariant(name: string): Variant {
  const variant = VARIANTS.find((v) => v.name === name);
  if (!variant)
    throw new Error(`unknown variant "${name}"; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return variant;
}
