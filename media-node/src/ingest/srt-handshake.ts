/**
 * The few SRT (HSv5) handshake packets the SRT front reads and writes, per the SRT protocol draft
 * (draft-sharabayko-srt, section 3.2.1 and 4.3): no libsrt on the Node side. The front answers a
 * caller's induction itself, reads the stream id from its conclusion, and only then hands the
 * connection to an ffmpeg listener (see `srt-ingest.ts`). Everything else is relayed as bytes.
 *
 * Layout: a 16-byte header (control bit + type, subtype, type-specific word, timestamp, destination
 * socket id), then the handshake body: version, encryption field (16) + extension field (16), initial
 * sequence number, MTU, flow window, handshake type, socket id, SYN cookie, peer IP (16 bytes), then
 * extensions (type 16, length in 32-bit words 16, content).
 */

import { createDecipheriv, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

const HEADER_BYTES = 16;
const HANDSHAKE_BYTES = HEADER_BYTES + 48;
const CONTROL_HANDSHAKE = 0x8000;
const CONTROL_SHUTDOWN = 0x8005;
/** Extension field of a v5 listener's induction answer: tells the caller to continue with HSv5. */
const SRT_MAGIC = 0x4a17;
const EXTENSION_KMREQ = 3;
const EXTENSION_SID = 5;

export const HandshakeType = {
  induction: 1,
  conclusion: 0xffffffff,
} as const;

/**
 * Rejection sent for a refused stream id: SRT_REJX_FORBIDDEN (1403, the access-control code of libsrt's
 * `access_control.h`), which travels on the wire as 1000 + code.
 */
export const REJECT_FORBIDDEN = 1000 + 1403;
/** SRT_REJ_BADSECRET: the caller's passphrase is not the listener's (or its key length is not allowed). */
export const REJECT_BAD_SECRET = 1000 + 10;
/** SRT_REJ_UNSECURE: one side encrypts and the other does not. */
export const REJECT_UNSECURE = 1000 + 11;

export interface Handshake {
  type: number;
  version: number;
  /** The sender's SRT socket id. */
  socketId: number;
  cookie: number;
  /** The stream id extension (SID), when the packet carries one. */
  streamId: string | undefined;
}

/** True for an SRT control packet of type handshake (caller → listener or back). */
export function isHandshake(packet: Buffer): boolean {
  return packet.length >= HANDSHAKE_BYTES && packet.readUInt16BE(0) === CONTROL_HANDSHAKE;
}

export function parseHandshake(packet: Buffer): Handshake | undefined {
  if (!isHandshake(packet)) return undefined;
  return {
    version: packet.readUInt32BE(16),
    type: packet.readUInt32BE(36),
    socketId: packet.readUInt32BE(40),
    cookie: packet.readUInt32BE(44),
    streamId: readStreamIdExtension(packet),
  };
}

/** The content of the handshake extension of this type, when the packet carries one. */
function readExtension(packet: Buffer, wanted: number): Buffer | undefined {
  let offset = HANDSHAKE_BYTES;
  while (offset + 4 <= packet.length) {
    const type = packet.readUInt16BE(offset);
    const words = packet.readUInt16BE(offset + 2);
    const start = offset + 4;
    const end = start + words * 4;
    if (end > packet.length) return undefined;
    if (type === wanted) return packet.subarray(start, end);
    offset = end;
  }
  return undefined;
}

/**
 * The SID extension's text. SRT stores it in 32-bit words whose bytes are reversed (libsrt copies the
 * string into little-endian words and then swaps every word to network order), NUL-padded.
 */
function readStreamIdExtension(packet: Buffer): string | undefined {
  const content = readExtension(packet, EXTENSION_SID);
  if (!content) return undefined;
  const bytes = Buffer.from(content);
  bytes.swap32();
  const nul = bytes.indexOf(0);
  return bytes.subarray(0, nul === -1 ? bytes.length : nul).toString('utf8');
}

/** What an encrypting caller's conclusion says of its key (the KMREQ extension, SRT draft section 3.2.2). */
export interface KeyMaterial {
  /** Bytes of the stream encryption key: SRT's pbkeylen (16, 24 or 32). */
  keyLength: number;
  salt: Buffer;
  /** The key (or the even and odd keys) wrapped with the key derived from the passphrase (RFC 3394). */
  wrapped: Buffer;
}

/**
 * The key material of a conclusion, or undefined when the caller does not encrypt. Layout (network
 * order): version/type byte 0x12, signature 0x2029, key flags, KEK index (4), cipher, auth, stream
 * encapsulation, 3 reserved bytes, salt length / 4, key length / 4, the salt, then the wrapped key(s).
 */
export function keyMaterialOf(packet: Buffer): KeyMaterial | undefined {
  const km = readExtension(packet, EXTENSION_KMREQ);
  if (!km || km.length < 16 || km.readUInt16BE(1) !== 0x2029) return undefined;
  const keys = (km.readUInt8(3) & 0b11) === 0b11 ? 2 : 1;
  const saltLength = km.readUInt8(14) * 4;
  const keyLength = km.readUInt8(15) * 4;
  const wrappedLength = 8 + keys * keyLength;
  if (16 + saltLength + wrappedLength > km.length || saltLength < 8) return undefined;
  return {
    keyLength,
    salt: Buffer.from(km.subarray(16, 16 + saltLength)),
    wrapped: Buffer.from(km.subarray(16 + saltLength, 16 + saltLength + wrappedLength)),
  };
}

const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/**
 * Whether the caller's key was wrapped with `passphrase`: as libsrt (haicrypt) does, the key-encrypting
 * key is PBKDF2-HMAC-SHA1 of the passphrase over the salt's last 8 bytes, 2048 rounds, as long as the
 * key; RFC 3394 unwrapping with it yields the fixed IV only when it is the caller's. AES key wrap is
 * written out over AES-ECB because Bun's crypto has no `aes*-wrap` cipher.
 */
export function passphraseMatches(material: KeyMaterial, passphrase: string): boolean {
  const { keyLength, salt, wrapped } = material;
  if (![16, 24, 32].includes(keyLength) || wrapped.length % 8 !== 0) return false;
  const kek = pbkdf2Sync(passphrase, salt.subarray(salt.length - 8), 2048, keyLength, 'sha1');
  const aes = createDecipheriv(`aes-${keyLength * 8}-ecb`, kek, null).setAutoPadding(false);
  const n = wrapped.length / 8 - 1;
  const a = Buffer.from(wrapped.subarray(0, 8));
  const r = Array.from({ length: n }, (_, i) => Buffer.from(wrapped.subarray(8 * (i + 1), 8 * (i + 2))));
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      a.writeBigUInt64BE(a.readBigUInt64BE(0) ^ BigInt(n * j + i), 0);
      const block = aes.update(Buffer.concat([a, r[i - 1] ?? Buffer.alloc(8)]));
      block.copy(a, 0, 0, 8);
      r[i - 1] = Buffer.from(block.subarray(8, 16));
    }
  }
  return timingSafeEqual(a, KEY_WRAP_IV);
}

/**
 * A listener's answer to an induction: the same packet turned into version 5 with the SRT magic, our
 * SYN cookie, addressed to the caller's socket id. The caller then sends its conclusion with the stream id.
 */
export function inductionResponse(request: Buffer, cookie: number): Buffer {
  const response = Buffer.from(request.subarray(0, HANDSHAKE_BYTES));
  const callerSocketId = request.readUInt32BE(40);
  response.writeUInt32BE(0, 8); // timestamp: the caller does not use it in the handshake
  response.writeUInt32BE(callerSocketId, 12);
  response.writeUInt32BE(5, 16);
  response.writeUInt16BE(0, 20); // no encryption advertised
  response.writeUInt16BE(SRT_MAGIC, 22);
  response.writeUInt32BE(cookie >>> 0, 44);
  return response;
}

/** A conclusion answer carrying a rejection code in place of the handshake type: the caller gives up at once. */
export function rejection(conclusion: Buffer, code: number): Buffer {
  const response = Buffer.from(conclusion.subarray(0, HANDSHAKE_BYTES));
  response.writeUInt32BE(0, 8);
  response.writeUInt32BE(conclusion.readUInt32BE(40), 12);
  response.writeUInt16BE(0, 22);
  response.writeUInt32BE(code, 36);
  return response;
}

/** The same conclusion with another SYN cookie (the one the ffmpeg listener behind the front gave). */
export function withCookie(conclusion: Buffer, cookie: number): Buffer {
  const copy = Buffer.from(conclusion);
  copy.writeUInt32BE(cookie >>> 0, 44);
  return copy;
}

/** A shutdown control packet for the caller's socket: tells it the connection is over. */
export function shutdown(callerSocketId: number): Buffer {
  const packet = Buffer.alloc(HEADER_BYTES + 4);
  packet.writeUInt16BE(CONTROL_SHUTDOWN, 0);
  packet.writeUInt32BE(callerSocketId >>> 0, 12);
  return packet;
}

/** The stream key asked for by an SRT stream id, or undefined when it names none or asks to play. */
export function streamKeyFromStreamId(streamId: string): string | undefined {
  let resource = streamId;
  if (streamId.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const pair of streamId.slice(4).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return undefined;
      fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const mode = fields.get('m');
    if (mode !== undefined && mode !== 'publish') return undefined;
    resource = fields.get('r') ?? '';
  }
  const key = resource.startsWith('live/') ? resource.slice('live/'.length) : resource;
  return /^[A-Za-z0-9_-]{1,200}$/.test(key) ? key : undefined;
}
