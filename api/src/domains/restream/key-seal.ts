/**
 * Destination stream keys at rest: AES-256-GCM under a key derived from `RESTREAM_SECRET`, with the
 * destination's id as additional data, so a sealed key only opens for the row it was written for.
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url). The media node needs the key itself to publish,
 * so it cannot be hashed as our own stream keys are.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class KeySeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A fixed-purpose derivation: the same secret used elsewhere never yields this key.
    this.key = createHash('sha256').update(`streamhub restream keys\0${secret}`).digest();
  }

  seal(plain: string, destinationId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(destinationId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The key, or throws when the secret changed or the value was tampered with. */
  open(sealed: string, destinationId: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !iv || body === undefined || !tag)
      throw new Error('unknown sealed key format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(destinationId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

/** What lists show of a key: its last four characters. */
export const keyHint = (key: string) => `…${key.slice(-4)}`;
