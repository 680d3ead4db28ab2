/**
 * @module scripts/make-icons
 * Draws the app's PNG icons (Chromium's installability wants raster icons of 192 and 512 px) from the same picture as
 * public/icons/icon.svg: a dark green square, a green wave and an orange dot. Pure Node (zlib), no image library.
 * Run once after changing the picture: `npx node scripts/make-icons.ts`; the PNGs are committed.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [0x0b, 0x3d, 0x2e];
const WAVE: Rgb = [0x52, 0xd1, 0xa0];
const DOT: Rgb = [0xf4, 0xa2, 0x61];

/** The colour at (x, y) of a 512-unit picture; `inset` shrinks it into the maskable safe zone. */
function colour(x: number, y: number, inset: number): Rgb {
  const u = ((x - inset) / (1 - 2 * inset)) * 512,
    v = ((y - inset) / (1 - 2 * inset)) * 512;
  if (Math.hypot(u - 256, v - 160) < 28) return DOT;
  // The wave: a smooth curve through the SVG path's points, 28 units thick.
  const wave = 230 - 70 * Math.sin(((u - 64) / 384) * 2 * Math.PI * 0.85 + 0.4);
  if (u >= 64 && u <= 448 && Math.abs(v - wave) < 14) return WAVE;
  return BACKGROUND;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

export function png(size: number, inset: number): Buffer {
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    raw[y * (1 + size * 3)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = colour((x + 0.5) / size, (y + 0.5) / size, inset);
      raw.set([r, g, b], y * (1 + size * 3) + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

if (import.meta.main) {
  for (const size of [192, 512]) writeFileSync(`public/icons/icon-${size}.png`, png(size, 0));
  writeFileSync('public/icons/maskable-512.png', png(512, 0.1));
  console.log('wrote public/icons/icon-192.png, icon-512.png, maskable-512.png');
}
