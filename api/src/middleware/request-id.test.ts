/** Request ids: UUID-shaped, never repeated by one process, different between processes (replicas). */
import { describe, expect, it } from 'vitest';
import { requestIds } from './request-id.ts';

// Version 8 (RFC 9562, an id of one's own layout) with the RFC's variant bits.
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIds', () => {
  it('makes UUID-shaped ids, none twice, across the counter’s carries', () => {
    const next = requestIds();
    // Over 2^8 ids per block, so the run crosses at least two carries into the counter's high part.
    const ids = Array.from({ length: 1000 }, () => next());
    for (const id of ids) expect(id).toMatch(UUID_V8);
    expect(new Set(ids).size).toBe(ids.length);
    // One counter: consecutive ids differ by one, also where the low digits wrap.
    const counter = (id: string) => BigInt(`0x${id.slice(24)}`);
    for (let i = 1; i < ids.length; i++) {
      expect(counter(ids[i] as string) - counter(ids[i - 1] as string)).toBe(1n);
    }
  });

  it('gives each process (each generator) its own random prefix and start', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => requestIds()().slice(0, 23)));
    expect(prefixes.size).toBe(50);
  });
});
