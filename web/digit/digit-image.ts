/**
 * @module web/digit/digit-image
 * A drawn digit as MNIST presents its digits (LeCun et al.): the ink's bounding box scaled so its longer side is 20
 * pixels, placed in a 28×28 field with its centre of mass at the centre, grey levels in [0, 1].
 */
const SIDE = 28;
const BOX = 20;

/**
 * @param ink the drawing's ink per pixel in [0, 1], row by row, `width`×`height`.
 * @returns 784 pixels; all zero when nothing was drawn.
 */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array {
  let [top, left, bottom, right] = [height, width, -1, -1];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink[y * width + x]! > 0.05) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
  const out = new Float32Array(SIDE * SIDE);
  if (bottom < 0) return out;
  const scale = BOX / Math.max(bottom - top + 1, right - left + 1);
  const w = Math.max(1, Math.round((right - left + 1) * scale));
  const h = Math.max(1, Math.round((bottom - top + 1) * scale));
  // Box-filter the ink into the w×h box: each box pixel averages the drawing's pixels that fall in it.
  const box = new Float32Array(w * h);
  const count = new Float32Array(w * h);
  for (let y = top; y <= bottom; y++)
    for (let x = left; x <= right; x++) {
      const i = Math.min(h - 1, Math.floor((y - top) * scale)) * w + Math.min(w - 1, Math.floor((x - left) * scale));
      box[i]! += ink[y * width + x]!;
      count[i]! += 1;
    }
  let mass = 0;
  let cy = 0;
  let cx = 0;
  for (let i = 0; i < box.length; i++) {
    box[i] = count[i]! > 0 ? Math.min(1, box[i]! / count[i]!) : 0;
    mass += box[i]!;
    cy += box[i]! * Math.floor(i / w);
    cx += box[i]! * (i % w);
  }
  // The centre of the field is between pixels 13 and 14: index 13.5.
  const dy = Math.round((SIDE - 1) / 2 - cy / mass);
  const dx = Math.round((SIDE - 1) / 2 - cx / mass);
  for (let i = 0; i < box.length; i++) {
    const y = Math.floor(i / w) + dy;
    const x = (i % w) + dx;
    if (y >= 0 && y < SIDE && x >= 0 && x < SIDE) out[y * SIDE + x] = box[i]!;
  }
  return out;
}
