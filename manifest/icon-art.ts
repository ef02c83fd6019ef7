import { PNG } from 'pngjs';

/**
 * Draws Signoff's mark, a check in a rounded square, as the two icons Teams wants: a 192×192
 * colour icon and a 32×32 white-on-transparent outline. Shapes are described by point tests and
 * supersampled, which gives smooth edges without a graphics library.
 */

/** The colour behind the check; also the manifest's `accentColor`. */
export const ACCENT_COLOR = '#1F7A5C';

type Point = readonly [x: number, y: number];
type Shape = (x: number, y: number) => boolean;

const SAMPLES = 4;

export function drawColorIcon(): PNG {
  const size = 192;
  const tile = roundedSquare(0, size, 40);
  const check = checkMark([52, 100], [82, 130], [140, 66], 20);
  const [r, g, b] = hexToRgb(ACCENT_COLOR);
  return paint(size, (x, y) => {
    const tileCover = coverage(tile, x, y);
    if (tileCover === 0) return [0, 0, 0, 0];
    const checkCover = coverage((px, py) => tile(px, py) && check(px, py), x, y);
    // Mix white (check) and accent (tile) by how much of the pixel each covers.
    const mix = (channel: number) =>
      Math.round((checkCover * 255 + (tileCover - checkCover) * channel) / tileCover);
    return [mix(r), mix(g), mix(b), Math.round(tileCover * 255)];
  });
}

export function drawOutlineIcon(): PNG {
  const size = 32;
  const outer = roundedSquare(1, size - 1, 7);
  const inner = roundedSquare(3, size - 3, 5);
  const frame: Shape = (x, y) => outer(x, y) && !inner(x, y);
  const check = checkMark([9.5, 16.5], [14, 21], [22.5, 11.5], 3.2);
  const mark: Shape = (x, y) => frame(x, y) || check(x, y);
  return paint(size, (x, y) => {
    const alpha = Math.round(coverage(mark, x, y) * 255);
    return alpha === 0 ? [0, 0, 0, 0] : [255, 255, 255, alpha];
  });
}

/** PNG bytes; pngjs output is deterministic, so regenerating gives the committed files. */
export function encodePng(png: PNG): Buffer {
  return PNG.sync.write(png, { colorType: 6 });
}

function paint(size: number, pixel: (x: number, y: number) => readonly number[]): PNG {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const offset = (y * size + x) * 4;
      pixel(x, y).forEach((value, channel) => {
        png.data[offset + channel] = value;
      });
    }
  }
  return png;
}

/** Fraction of the pixel whose top-left corner is (x, y) that lies inside the shape. */
function coverage(shape: Shape, x: number, y: number): number {
  let inside = 0;
  for (let i = 0; i < SAMPLES; i++) {
    for (let j = 0; j < SAMPLES; j++) {
      if (shape(x + (i + 0.5) / SAMPLES, y + (j + 0.5) / SAMPLES)) inside++;
    }
  }
  return inside / (SAMPLES * SAMPLES);
}

/** A square from `min` to `max` on both axes with corners of the given radius. */
function roundedSquare(min: number, max: number, radius: number): Shape {
  const center = (min + max) / 2;
  const half = (max - min) / 2 - radius;
  return (x, y) => {
    const dx = Math.max(Math.abs(x - center) - half, 0);
    const dy = Math.max(Math.abs(y - center) - half, 0);
    return dx * dx + dy * dy <= radius * radius;
  };
}

/** Two strokes with round ends, from `start` down to `corner` and up to `end`. */
function checkMark(start: Point, corner: Point, end: Point, width: number): Shape {
  const short = stroke(start, corner, width);
  const long = stroke(corner, end, width);
  return (x, y) => short(x, y) || long(x, y);
}

function stroke([ax, ay]: Point, [bx, by]: Point, width: number): Shape {
  const lengthSquared = (bx - ax) ** 2 + (by - ay) ** 2;
  const reach = (width / 2) ** 2;
  return (x, y) => {
    const t = Math.min(1, Math.max(0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / lengthSquared));
    return (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= reach;
  };
}

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
