/**
 * Request ids the gateway makes when the caller sent none (or an unsafe one). An id only has to be
 * unique, across replicas too, so that a `requestId` from a problem+json answer finds its log lines;
 * nobody is meant to be unable to guess it (it is echoed to the caller, and it guards nothing). So
 * instead of 122 fresh random bits per request (`randomUUID`, about 1.5 % of the plain route's CPU on
 * Node: docs/benchmarks.md, Gateway) an id is a random per-process prefix and a counter, in the shape
 * of a UUID (RFC 9562 version 8, ids of one's own layout) so that it still reads and validates as one.
 */
import { randomBytes } from 'node:crypto';

// The counter's low 8 bits, as 2 hex digits: the only part that changes from one request to the next.
const LOW = Array.from({ length: 0x100 }, (_, i) => i.toString(16).padStart(2, '0'));
// 2^40 blocks of 2^8 ids (2^48 in all) under one random prefix, then a new prefix.
const BLOCKS = 2 ** 40;
const blockText = (block: number) => block.toString(16).padStart(10, '0');

/**
 * Returns `next()`, which makes ids `xxxxxxxx-xxxx-8xxx-yxxx-cccccccccccc`: 74 random bits per process
 * (two replicas share a prefix with a chance of about 2^-74) and a 48-bit counter from a random start.
 */
export function requestIds(): () => string {
  let prefix = '';
  let block = 0;
  let low = 0;
  let blocksLeft = 0;
  // The text of every id in the current block of 2^8, up to its last 2 digits.
  let head = '';
  const renew = () => {
    const bytes = randomBytes(16);
    // Version 8 in the high nibble of byte 6, the RFC's variant (10) in the high bits of byte 8.
    bytes[6] = 0x80 | ((bytes[6] as number) & 0x0f);
    bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
    const hex = bytes.toString('hex');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
    // A random start, so that an id does not tell how many requests the process has served.
    block = bytes.readUIntBE(10, 5);
    low = bytes[15] as number;
    blocksLeft = BLOCKS;
    head = prefix + blockText(block);
  };
  renew();
  return () => {
    const id = head + (LOW[low] as string);
    low++;
    if (low === 0x100) {
      low = 0;
      block = (block + 1) % BLOCKS;
      head = prefix + blockText(block);
      // Back at the first block: a new prefix rather than an id made before.
      if (--blocksLeft === 0) renew();
    }
    return id;
  };
}
