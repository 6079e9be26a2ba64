import { describe, expect, it } from 'vitest';
import { isKeyframePacket } from './rtmp-ingest.ts';

const tag = (...bytes: number[]) => Buffer.from(bytes);

describe('isKeyframePacket (FLV video tag header)', () => {
  it('takes an AVC or HEVC keyframe with picture data', () => {
    expect(isKeyframePacket(tag(0x17, 0x01))).toBe(true);
    expect(isKeyframePacket(tag(0x1c, 0x01))).toBe(true);
  });

  it('leaves out the sequence header, which is flagged as a keyframe too', () => {
    expect(isKeyframePacket(tag(0x17, 0x00))).toBe(false);
  });

  it('leaves out inter frames and empty payloads', () => {
    expect(isKeyframePacket(tag(0x27, 0x01))).toBe(false);
    expect(isKeyframePacket(tag())).toBe(false);
  });

  it('reads Enhanced RTMP tags by their packet type', () => {
    // Extended header bit, frame type 1, PacketType 1 (coded frames) vs 0 (sequence start).
    expect(isKeyframePacket(tag(0x91, 0x68))).toBe(true);
    expect(isKeyframePacket(tag(0x90, 0x68))).toBe(false);
  });
});
