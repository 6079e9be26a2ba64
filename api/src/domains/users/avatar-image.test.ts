import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_PIXELS, renderAvatar, sniffImageFormat, UnsupportedImageError } from './avatar-image.ts';

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

const solid = (width: number, height: number, background = RED) =>
  sharp({ create: { width, height, channels: 3, background } });

/** A landscape image, red on the left half and blue on the right. */
async function halves(width: number, height: number) {
  const half = await solid(width / 2, height, BLUE)
    .png()
    .toBuffer();
  return solid(width, height, RED).composite([{ input: half, left: width / 2, top: 0 }]);
}

async function pixel(webp: Buffer, x: number, y: number) {
  const { data, info } = await sharp(webp).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return { r: data[at] ?? -1, g: data[at + 1] ?? -1, b: data[at + 2] ?? -1 };
}

const isRed = (p: { r: number; g: number; b: number }) => p.r > 200 && p.g < 60 && p.b < 60;
const isBlue = (p: { r: number; g: number; b: number }) => p.b > 200 && p.r < 60 && p.g < 60;

async function expectRenditions(input: Buffer) {
  const { large, small } = await renderAvatar(input);
  const [l, s] = await Promise.all([sharp(large).metadata(), sharp(small).metadata()]);
  expect([l.format, l.width, l.height]).toEqual(['webp', 256, 256]);
  expect([s.format, s.width, s.height]).toEqual(['webp', 64, 64]);
  return { large, small };
}

describe('renderAvatar', () => {
  it('renders a PNG as 256 and 64 px WebP squares', async () => {
    await expectRenditions(await solid(300, 200).png().toBuffer());
  });

  it.each([
    ['JPEG', (s: Sharp) => s.jpeg()],
    ['WebP', (s: Sharp) => s.webp()],
    ['GIF', (s: Sharp) => s.gif()],
    ['AVIF', (s: Sharp) => s.avif({ effort: 0 })],
  ])('accepts %s', async (_name, encode) => {
    await expectRenditions(await encode(solid(120, 80)).toBuffer());
  });

  it('takes the first frame of an animated GIF', async () => {
    // Two 40×40 frames, red then blue, as one strip of pages.
    const strip = await solid(40, 80, RED)
      .composite([{ input: await solid(40, 40, BLUE).png().toBuffer(), left: 0, top: 40 }])
      .raw()
      .toBuffer({ resolveWithObject: true });
    const gif = await sharp(strip.data, { raw: { ...strip.info, pageHeight: 40 } })
      .gif({ delay: [100, 100] })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { large } = await expectRenditions(gif);
    expect(isRed(await pixel(large, 128, 250))).toBe(true);
  });

  it('crops to a centred square (cover), not a squashed or letterboxed one', async () => {
    // 400×100: blue | red red | blue in quarters. The centred square is all red.
    const quarter = await solid(100, 100, BLUE).png().toBuffer();
    const input = await solid(400, 100, RED)
      .composite([
        { input: quarter, left: 0, top: 0 },
        { input: quarter, left: 300, top: 0 },
      ])
      .png()
      .toBuffer();
    const { large } = await expectRenditions(input);
    expect(isRed(await pixel(large, 2, 128))).toBe(true);
    expect(isRed(await pixel(large, 253, 128))).toBe(true);
  });

  it('turns the image upright from its EXIF orientation', async () => {
    // Stored landscape (red left, blue right) with Orientation 6: "rotate 90° clockwise to view".
    // Upright, red is on top and blue at the bottom.
    const input = await (await halves(200, 200)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const { large } = await expectRenditions(input);
    expect(isRed(await pixel(large, 128, 10))).toBe(true);
    expect(isBlue(await pixel(large, 128, 245))).toBe(true);
  });

  it('strips EXIF (GPS, camera, copyright), ICC and XMP from the output', async () => {
    const input = await solid(200, 200)
      .jpeg()
      .withExif({
        IFD0: { Copyright: 'secret-copyright-marker', Make: 'SecretCam', Orientation: '1' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2981/100' },
      })
      .withIccProfile('p3')
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret-xmp-marker/></x:xmpmeta>')
      .toBuffer();
    const before = await sharp(input).metadata();
    expect(before.exif?.toString('latin1')).toContain('secret-copyright-marker');
    expect(before.icc).toBeDefined();

    for (const output of Object.values(await expectRenditions(input))) {
      const after = await sharp(output).metadata();
      expect(after.exif).toBeUndefined();
      expect(after.icc).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      const raw = output.toString('latin1');
      expect(raw).not.toContain('EXIF');
      expect(raw).not.toContain('secret');
      expect(raw).not.toContain('SecretCam');
    }
  });

  it('refuses text with an image name, with a clear message', async () => {
    const text = Buffer.from('this is not an image, whatever the file name says\n'.repeat(10));
    const error = await renderAvatar(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedImageError);
    expect((error as Error).message).toBe(
      'The file is not a supported image. Upload a JPEG, PNG, WebP, GIF or AVIF image.',
    );
  });

  it.each([
    ['SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['TIFF', () => solid(20, 20).tiff().toBuffer()],
    ['empty', () => Buffer.alloc(0)],
  ])('refuses %s before any decoder sees it', async (_name, make) => {
    await expect(renderAvatar(await make())).rejects.toBeInstanceOf(UnsupportedImageError);
  });

  it('refuses a truncated file with a clear message', async () => {
    const png = await solid(300, 300).png({ compressionLevel: 0 }).toBuffer();
    const error = await renderAvatar(png.subarray(0, 2000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedImageError);
    expect((error as Error).message).toMatch(/PNG .*(damaged|could not be read)/);
  });

  it('refuses an image that claims more pixels than the limit (a decompression bomb)', async () => {
    const side = Math.ceil(Math.sqrt(MAX_INPUT_PIXELS)) + 1;
    await expect(renderAvatar(pngClaiming(side, side))).rejects.toThrow(/megapixels/);
  });
});

/** A PNG whose header claims `width`×`height` pixels, with no pixel data: what a bomb looks like to a reader. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc32(typed), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('sniffImageFormat', () => {
  it('knows the accepted signatures and nothing else', async () => {
    expect(sniffImageFormat(await solid(8, 8).png().toBuffer())).toBe('png');
    expect(sniffImageFormat(await solid(8, 8).jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageFormat(await solid(8, 8).webp().toBuffer())).toBe('webp');
    expect(sniffImageFormat(await solid(8, 8).gif().toBuffer())).toBe('gif');
    expect(sniffImageFormat(await solid(8, 8).avif({ effort: 0 }).toBuffer())).toBe('avif');
    expect(sniffImageFormat(await solid(8, 8).heif({ compression: 'av1', effort: 0 }).toBuffer())).toBe(
      'avif',
    );
    expect(sniffImageFormat(Buffer.from('GIF89'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('<?xml version="1.0"?><svg/>'))).toBeUndefined();
  });
});
