/**
 * The SRT front's encryption check on a real caller's conclusion: the bytes below are what ffmpeg 5.1
 * (libsrt 1.5) sent as its HSv5 conclusion with `-srt_streamid abc -passphrase 'correct horse battery'
 * -pbkeylen 24`, captured from the wire. The end-to-end refusals are in `srt-media-node.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import {
  keyMaterialOf,
  parseHandshake,
  passphraseMatches,
  REJECT_BAD_SECRET,
  REJECT_UNSECURE,
} from './srt-handshake.ts';
import { encryptionProblem } from './srt-ingest.ts';

const CONCLUSION = Buffer.from(
  '800000000000000000001b040000000000000005000300073424cad2000005dc00002000ffffffff3c115dee000030390100007f' +
    '0000000000000000000000000001000300010501000000bf0078000000050001006362610003001012202901000000000200020000' +
    '000406c0ba059329e11e9aae69b18e80971e866a69878653e05a4131a22ddee0e1ed331a92d0568b363d4fd4cac7d7f0cfdbe2',
  'hex',
);
/** The same conclusion without its key material extension: a caller that does not encrypt. */
const CLEAR = CONCLUSION.subarray(0, CONCLUSION.length - 68);

describe('SRT encryption check', () => {
  it("reads the caller's key material and recognises its passphrase", () => {
    expect(parseHandshake(CONCLUSION)?.streamId).toBe('abc');
    const material = keyMaterialOf(CONCLUSION);
    expect(material).toMatchObject({ keyLength: 24 });
    expect(material?.salt).toHaveLength(16);
    expect(material?.wrapped).toHaveLength(32);
    expect(passphraseMatches(material as NonNullable<typeof material>, 'correct horse battery')).toBe(true);
    expect(passphraseMatches(material as NonNullable<typeof material>, 'correct horse batterY')).toBe(false);
    expect(keyMaterialOf(CLEAR)).toBeUndefined();
    expect(parseHandshake(CLEAR)?.streamId).toBe('abc');
  });

  it('answers a mismatch with the rejection libsrt expects, and lets a match through', () => {
    const passphrase = 'correct horse battery';
    expect(encryptionProblem(CONCLUSION, { passphrase })).toBeUndefined();
    expect(encryptionProblem(CONCLUSION, { passphrase, keyLength: 24 })).toBeUndefined();
    expect(encryptionProblem(CLEAR, undefined)).toBeUndefined();
    expect(encryptionProblem(CONCLUSION, { passphrase, keyLength: 32 })?.code).toBe(REJECT_BAD_SECRET);
    expect(encryptionProblem(CONCLUSION, { passphrase: 'another passphrase' })?.code).toBe(REJECT_BAD_SECRET);
    expect(encryptionProblem(CLEAR, { passphrase })?.code).toBe(REJECT_UNSECURE);
    expect(encryptionProblem(CONCLUSION, undefined)?.code).toBe(REJECT_UNSECURE);
  });
});
