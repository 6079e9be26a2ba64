/** The gateway variants the ablation compares: the full stack, then each middleware left out in turn. */

export const MIDDLEWARES = [
  'request-context',
  'metrics',
  'access-log',
  'security-headers',
  'cors',
  'rate-limit',
  'body-limit',
  'timeout',
] as const;

export type Middleware = (typeof MIDDLEWARES)[number];

export type Variant =
  /** `createApp` itself, as served in the main benchmark. */
  | { name: 'createApp' }
  /**
   * The same stack rebuilt here from the middleware factories, minus `without`; `experiment` adds a
   * bench-only change that a suggestion needs evidence for.
   */
  | { name: string; without: readonly Middleware[]; experiment?: 'outgoing-headers' };

export const VARIANTS: readonly Variant[] = [
  { name: 'createApp' },
  { name: 'full', without: [] },
  ...MIDDLEWARES.map((m) => ({ name: `no-${m}`, without: [m] })),
  { name: 'none', without: MIDDLEWARES },
  // Experiment: the static security and CORS headers set on Node's ServerResponse instead of c.header().
  { name: 'outgoing-headers', without: ['security-headers', 'cors'], experiment: 'outgoing-headers' },
];

export function findVariant(name: string): Variant {
  const variant = VARIANTS.find((v) => v.name === name);
  if (!variant)
    throw new Error(`unknown variant "${name}"; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return variant;
}

export const without = (variant: Variant): readonly Middleware[] =>
  'without' in variant ? variant.without : [];
