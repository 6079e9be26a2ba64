/** Database errors translated into types the service layer can map without knowing the driver. */

const UNIQUE_VIOLATION = '23505';

/** A unique index or constraint rejected a write; `constraint` names the field in the caller's terms. */
export class UniqueViolationError<TConstraint extends string = string> extends Error {
  readonly constraint: TConstraint;
  /** The index or constraint name as Postgres reported it. */
  readonly pgConstraint: string;

  constructor(constraint: TConstraint, pgConstraint: string, options?: { cause?: unknown }) {
    super(`Unique constraint ${pgConstraint} violated (${constraint}).`, options);
    this.name = 'UniqueViolationError';
    this.constraint = constraint;
    this.pgConstraint = pgConstraint;
  }
}

/** A pagination cursor that this code did not produce (tampered with, or from another list). */
export class InvalidCursorError extends Error {
  constructor() {
    super('The pagination cursor is not valid.');
    this.name = 'InvalidCursorError';
  }
}

/**
 * Returns a `UniqueViolationError` when `error` is a Postgres 23505 on one of `constraints`
 * (Postgres name → caller's name), else undefined. Works for both drivers: drizzle wraps the driver
 * error in `cause`; postgres-js reports `constraint_name`, PGlite `constraint`.
 */
export function toUniqueViolation<TConstraint extends string>(
  error: unknown,
  constraints: Readonly<Record<string, TConstraint>>,
): UniqueViolationError<TConstraint> | undefined {
  for (let current = error, depth = 0; isObject(current) && depth < 5; current = current.cause, depth++) {
    if (current.code !== UNIQUE_VIOLATION) continue;
    const name = current.constraint_name ?? current.constraint;
    if (typeof name !== 'string') return undefined;
    const mapped = Object.hasOwn(constraints, name) ? constraints[name] : undefined;
    return mapped === undefined ? undefined : new UniqueViolationError(mapped, name, { cause: error });
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
