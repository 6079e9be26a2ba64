/**
 * Turns uploaded bytes into the two avatar renditions (256×256 and 64×64 WebP). No HTTP, no files:
 * bytes in, buffers out, so it is tested on its own.
 */
import sharp, { type Metadata } from 'sharp';

export const AVATAR_SIZES = { large: 256, small: 64 } as const;

/** Accepted input formats, as named in messages. */
export const ACCEPTED_IMAGE_FORMATS = ['JPEG', 'PNG', 'WebP', 'GIF', 'AVIF'] as const;

// A 5 MB PNG of one colour can claim 16384×16384 pixels (1 GiB decoded). 50 megapixels covers any
// phone camera while bounding what one upload can make the server allocate.
export const MAX_INPUT_PIXELS = 50_000_000;

const WEBP_QUALITY = 82;

type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif';

/** The upload is not an image we take; the message is fit to show to the user. */
export class UnsupportedImageError extends Error {
  override name = 'UnsupportedImageError';
}

export interface AvatarRenditions {
  /** 256×256 WebP. */
  large: Buffer;
  /** 64×64 WebP. */
  small: Buffer;
}

/**
 * Decodes an upload (JPEG, PNG, WebP, GIF's first frame, AVIF), turns it upright from its EXIF
 * orientation, crops it to a centred square and encodes both sizes as WebP. The output carries no
 * metadata (EXIF, GPS, ICC, XMP): sharp drops it unless asked to keep it.
 * Throws {@link UnsupportedImageError} for anything else, whatever the file is called.
 */
export async function renderAvatar(input: Uint8Array): Promise<AvatarRenditions> {
  const sniffed = sniffImageFormat(input);
  // Checked before sharp sees the bytes: libvips has loaders (SVG, TIFF, …) that untrusted input
  // should never reach.
  if (!sniffed) throw unsupported();
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const };
  let metadata: Metadata;
  try {
    // Only the header is read here; without the pixel limit, so that a bomb gets the message below.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch {
    throw new UnsupportedImageError(`The file looks like ${sniffed.toUpperCase()} but could not be read.`);
  }
  if (!agrees(sniffed, metadata)) throw unsupported();
  const pixels = metadata.width * (metadata.pageHeight ?? metadata.height);
  if (pixels > MAX_INPUT_PIXELS) {
    throw new UnsupportedImageError(
      `The image is ${metadata.width}×${metadata.height} pixels; at most ${MAX_INPUT_PIXELS / 1e6} megapixels are accepted.`,
    );
  }
  // Decode once; each size is a clone of the upright image.
  const upright = sharp(input, options).autoOrient();
  const encode = (size: number) =>
    upright
      .clone()
      .resize(size, size, { fit: 'cover', position: 'centre' })
      .webp({ quality: WEBP_QUALITY })
      .toBuffer();
  try {
    const [large, small] = await Promise.all([encode(AVATAR_SIZES.large), encode(AVATAR_SIZES.small)]);
    return { large, small };
  } catch {
    throw new UnsupportedImageError(`The ${sniffed.toUpperCase()} file is damaged and could not be decoded.`);
  }
}

const unsupported = () =>
  new UnsupportedImageError(
    `The file is not a supported image. Upload a ${ACCEPTED_IMAGE_FORMATS.slice(0, -1).join(', ')} or ${ACCEPTED_IMAGE_FORMATS.at(-1)} image.`,
  );

// sharp reports AVIF (and HEIC, which it cannot decode without patent-encumbered codecs) as `heif`.
function agrees(sniffed: SniffedFormat, metadata: Metadata): boolean {
  if (sniffed === 'avif') return metadata.format === 'heif' && metadata.compression === 'av1';
  return metadata.format === sniffed;
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** The format by the file's signature (magic bytes), or undefined when it is none of the accepted ones. */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat | undefined {
  if (bytes.length < 12) return undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (ascii(bytes, 4, 4) === 'ftyp' && isAvifBrand(bytes)) return 'avif';
  return undefined;
}

// An ISO-BMFF `ftyp` box: size (4), 'ftyp', major brand (4), minor version (4), compatible brands (4 each).
function isAvifBrand(bytes: Uint8Array): boolean {
  const boxSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const end = Math.min(boxSize, bytes.length, 256);
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, 4));
  return brands.includes('avif') || brands.includes('avis');
}
