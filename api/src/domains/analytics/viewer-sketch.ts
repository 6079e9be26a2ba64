/**
 * Mergeable unique-viewer counts for the PostgreSQL rollups (PostgreSQL here has no `hll` extension).
 * A part (a day of a scope, or views read from the per-view table) is either the exact set of its
 * viewers' 64-bit hashes (`hashtextextended(viewer_id, 0)`), while it holds at most EXACT_VIEWERS, or a
 * HyperLogLog of 2^14 one-byte registers (standard error about 0.8 %), as `bytea`. Merging exact parts stays exact; once one part is a HyperLogLog, the count is an
 * estimate. The SQL below and `registerOf` must split a hash the same way.
 */

/** A part keeps its exact hashes up to this many distinct viewers. */
export const EXACT_VIEWERS = 1024;
const INDEX_BITS = 14;
const REGISTERS = 1 << INDEX_BITS;
const RANK_BITS = 64 - INDEX_BITS;

/** SQL of a viewer's hash, from `viewer_id`. */
export const HASH_SQL = 'hashtextextended(viewer_id, 0)';
/** SQL of the register index of hash `h`: its low 14 bits. */
export const REGISTER_INDEX_SQL = `(h & ${REGISTERS - 1})::int`;
/** SQL of the register value of hash `h`: position of the first 1 in its high 50 bits, 51 if none. */
export const REGISTER_RANK_SQL = `coalesce(nullif(position(B'1' in (h >> ${INDEX_BITS})::bit(${RANK_BITS})), 0), ${RANK_BITS + 1})`;

/** The register index and value of one hash (a signed 64-bit integer as text, as PostgreSQL gives it). */
export function registerOf(hash: string): { index: number; rank: number } {
  const unsigned = BigInt.asUintN(64, BigInt(hash));
  const index = Number(unsigned & BigInt(REGISTERS - 1));
  const high = unsigned >> BigInt(INDEX_BITS);
  const rank = high === 0n ? RANK_BITS + 1 : RANK_BITS + 1 - high.toString(2).length;
  return { index, rank };
}

/** Number of registers: the length of a part's `registers`. */
export const REGISTER_COUNT = REGISTERS;

/** One part as a row carries it: exact hashes, or the registers. */
export interface ViewerPart {
  hashes: readonly string[] | null;
  registers: Uint8Array | null;
}

export class ViewerSketch {
  private exact: Set<string> | undefined = new Set();
  private registers: Uint8Array | undefined;

  add(part: ViewerPart): void {
    if (part.hashes) {
      if (this.exact) for (const hash of part.hashes) this.exact.add(hash);
      else for (const hash of part.hashes) this.addHash(hash);
      return;
    }
    if (!part.registers) return;
    const registers = this.dense();
    const from = part.registers;
    for (let i = 0; i < REGISTERS; i += 1) {
      const rank = from[i] as number;
      if (rank > (registers[i] as number)) registers[i] = rank;
    }
  }

  merge(other: ViewerSketch): void {
    if (other.exact) this.add({ hashes: [...other.exact], registers: null });
    else if (other.registers) this.add({ hashes: null, registers: other.registers });
  }

  /** Exact while every part was exact, else the HyperLogLog estimate (linear counting when small). */
  count(): number {
    if (this.exact) return this.exact.size;
    const registers = this.registers as Uint8Array;
    let sum = 0;
    let zeros = 0;
    for (const rank of registers) {
      sum += 2 ** -rank;
      if (rank === 0) zeros += 1;
    }
    const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
    const raw = (alpha * REGISTERS * REGISTERS) / sum;
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }

  private addHash(hash: string): void {
    const registers = this.dense();
    const { index, rank } = registerOf(hash);
    if (rank > (registers[index] as number)) registers[index] = rank;
  }

  private dense(): Uint8Array {
    if (!this.registers) {
      this.registers = new Uint8Array(REGISTERS);
      const hashes = this.exact ?? [];
      this.exact = undefined;
      for (const hash of hashes) this.addHash(hash);
    }
    return this.registers;
  }
}
