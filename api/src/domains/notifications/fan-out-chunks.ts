/**
 * How many followers each go-live fan-out statement takes (docs/notifications.md). On PostgreSQL a
 * fixed size; on embedded PGlite, whose statements run on the gateway's own thread, a size steered by
 * how long the last chunk held that thread, so that requests wait about the same whatever the machine.
 */

export interface FanOutChunking {
  /** The first chunk's size. */
  initial: number;
  /** The smallest size: below it the per-statement cost would stretch a large fan-out past its target. */
  min: number;
  max: number;
  /** How long one chunk (its statement and its `/ws` batch) should hold the thread, ms; none: fixed size. */
  targetMs?: number;
}

/** A fixed size, for PostgreSQL, where the statement runs in the database's process. */
export const fixedChunks = (size: number): FanOutChunking => ({ initial: size, min: size, max: size });

/**
 * PostgreSQL: at 5,000 followers per statement the gateway's turn that parses a chunk's rows and
 * publishes its `/ws` batch put the p99 during a 100,000-follower fan-out at 57–67 ms (quiet machine);
 * at 2,000 it is 19 ms, the fan-out as fast.
 */
export const POSTGRES_FAN_OUT_CHUNKS = fixedChunks(2_000);

/**
 * PGlite: a statement costs a fixed ~4–6 ms plus ~30–45 µs per follower of the gateway's thread. A fixed
 * 150 held it about 8 ms on a quiet machine (p99 27–39 ms during the fan-out; 250: 43–51 ms) but longer
 * on a slower or busier one. Steering each chunk to ~8 ms keeps the hold where the quiet machine had it;
 * the floor of 100 keeps 100,000 followers within about 1,000 statements (the 10 s target), and the
 * ceiling of 300 bounds one misjudged chunk.
 */
export const EMBEDDED_FAN_OUT_CHUNKS: FanOutChunking = { initial: 150, min: 100, max: 300, targetMs: 8 };

// One step grows a chunk by at most a quarter and shrinks it by at most half: a single slow statement
// (a collection, a new WAL segment, another process on the core) moves the size, but not to a bound.
const MAX_GROWTH = 1.25;
const MAX_SHRINK = 0.5;

/** The next chunk's size, from the last one's `size` and how long it held the thread (`tookMs`). */
export function nextChunkSize(chunking: FanOutChunking, size: number, tookMs: number): number {
  if (chunking.targetMs === undefined) return size;
  const ratio = tookMs > 0 ? chunking.targetMs / tookMs : MAX_GROWTH;
  const scaled = size * Math.min(MAX_GROWTH, Math.max(MAX_SHRINK, ratio));
  return Math.round(Math.min(chunking.max, Math.max(chunking.min, scaled)));
}
