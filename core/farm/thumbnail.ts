// Thumbnails of finished frames: how large one may be, and what an image's header says (its type
// and size), read from the bytes alone. The agent makes them (compute-agent/frame-thumbnails.ts),
// the head checks each with `imageInfo` before it keeps it (head/farm/farm-thumbnails.ts).

/** A thumbnail is at most this wide (pixels); narrower frames keep their width. */
export const THUMBNAIL_WIDTH = 160;

export type ThumbnailType = 'image/jpeg' | 'image/png';

export interface ImageInfo {
  type: ThumbnailType;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG: the signature, then IHDR first with width and height as 32-bit big-endian numbers. */
function pngInfo(b: Uint8Array): ImageInfo | undefined {
  if (b.length < 24 || PNG_SIGNATURE.some((x, i) => b[i] !== x)) return undefined;
  if (String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return undefined;
  const u32 = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return { type: 'image/png', width: u32(16), height: u32(20) };
}

/** Start-of-frame markers (baseline, progressive, …), not DHT (C4), JPG (C8) or DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** JPEG: SOI, then segments (marker, 16-bit length) up to the start of frame with the size. */
function jpegInfo(b: Uint8Array): ImageInfo | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    if (length < 2) return undefined;
    if (isSof(marker)) {
      if (i + 9 > b.length) return undefined;
      const height = (b[i + 5]! << 8) | b[i + 6]!;
      const width = (b[i + 7]! << 8) | b[i + 8]!;
      return { type: 'image/jpeg', width, height };
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end, or scan data before any frame
    i += 2 + length;
  }
  return undefined;
}

/** The type and size of a PNG or JPEG image, from its header; undefined for anything else. */
export function imageInfo(bytes: Uint8Array): ImageInfo | undefined {
  const info = pngInfo(bytes) ?? jpegInfo(bytes);
  return info && info.width > 0 && info.height > 0 ? info : undefined;
}

/** Why `bytes` is not a thumbnail the head keeps (undefined: it is one). */
export function thumbnailProblem(bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length > maxBytes) return `${bytes.length} bytes, more than ${maxBytes}`;
  const info = imageInfo(bytes);
  if (!info) return 'not a PNG or JPEG image';
  if (info.width > THUMBNAIL_WIDTH) return `${info.width} pixels wide, more than ${THUMBNAIL_WIDTH}`;
  return undefined;
}
