import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EXACT_VIEWERS, REGISTER_COUNT, registerOf, ViewerSketch } from './viewer-sketch.ts';

/** Random signed 64-bit hashes as PostgreSQL prints them. */
const hashes = (n: number) =>
  Array.from({ length: n }, () => BigInt.asIntN(64, randomBytes(8).readBigUInt64BE()).toString());

const exactPart = (list: string[]) => ({ hashes: list, registers: null });

/** The registers of a set of hashes, as the SQL builds them. */
function densePart(list: string[]) {
  const registers = new Uint8Array(REGISTER_COUNT);
  for (const hash of list) {
    const { index, rank } = registerOf(hash);
    registers[index] = Math.max(rank, registers[index] as number);
  }
  return { hashes: null, registers };
}

describe('ViewerSketch', () => {
  it('splits a hash as PostgreSQL does (index: low 14 bits; rank: first 1 of the high 50 bits)', () => {
    // From PostgreSQL 15: hashtextextended('a:v1', 0), its (h & 16383) and position(B'1' in (h >> 14)::bit(50)).
    expect(registerOf('-5901470841944883993')).toEqual({ index: 15591, rank: 1 });
    expect(registerOf('16383')).toEqual({ index: 16383, rank: 51 });
    expect(registerOf(String(1n << 14n))).toEqual({ index: 0, rank: 50 });
  });

  it('counts exactly while every part is an exact set, overlaps included', () => {
    const shared = hashes(600);
    const sketch = new ViewerSketch();
    sketch.add(exactPart([...shared, ...hashes(400)]));
    sketch.add(exactPart([...shared, ...hashes(900)]));
    expect(sketch.count()).toBe(1900);
    const other = new ViewerSketch();
    other.add(exactPart(shared));
    other.merge(sketch);
    expect(other.count()).toBe(1900);
  });

  it('estimates within 2 % once a part is a HyperLogLog, merging exact parts into it', () => {
    const big = hashes(60_000);
    const sketch = new ViewerSketch();
    sketch.add(densePart(big.slice(0, 45_000)));
    sketch.add(exactPart(big.slice(45_000, 45_000 + EXACT_VIEWERS)));
    sketch.add(densePart(big.slice(30_000)));
    expect(Math.abs(sketch.count() - 60_000) / 60_000).toBeLessThan(0.02);
    const small = new ViewerSketch();
    small.add(densePart(big.slice(0, 3000)));
    expect(Math.abs(small.count() - 3000) / 3000).toBeLessThan(0.02);
  });
});
