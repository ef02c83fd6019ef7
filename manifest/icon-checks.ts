import { PNG } from 'pngjs';
import type { ManifestIssue } from './errors';

export type IconKind = 'color' | 'outline';

/** Sizes Teams requires; it rejects the package at upload when they differ. */
export const ICON_SIZES: Readonly<Record<IconKind, number>> = { color: 192, outline: 32 };

/**
 * Checks one icon file: a PNG of the required size; an outline icon must in addition be white on
 * a transparent background (every pixel white at some opacity, or fully transparent).
 */
export function checkIcon(kind: IconKind, file: string, bytes: Buffer): ManifestIssue[] {
  const issue = (message: string): ManifestIssue => ({ rule: 'icon', where: file, message });
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    return [issue(`${kind} icon is not a readable PNG (${(error as Error).message})`)];
  }
  const size = ICON_SIZES[kind];
  const issues: ManifestIssue[] = [];
  if (png.width !== size || png.height !== size) {
    issues.push(issue(`${kind} icon must be ${size}x${size} pixels, is ${png.width}x${png.height}`));
  }
  if (kind === 'outline') issues.push(...checkOutlinePixels(png).map(issue));
  return issues;
}

function checkOutlinePixels(png: PNG): string[] {
  let transparent = 0;
  let coloured = 0;
  let firstColoured: string | undefined;
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b, a] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2], png.data[i * 4 + 3]];
    if (a === 0) transparent++;
    else if (r !== 255 || g !== 255 || b !== 255) {
      coloured++;
      firstColoured ??= `(${i % png.width}, ${Math.floor(i / png.width)}) is rgb(${r}, ${g}, ${b})`;
    }
  }
  const problems: string[] = [];
  if (coloured > 0) {
    problems.push(
      `outline icon must be white on transparent; ${coloured} pixels are not white, first ${firstColoured}`,
    );
  }
  if (transparent === 0)
    problems.push('outline icon must have a transparent background; no pixel is transparent');
  if (transparent === png.width * png.height) problems.push('outline icon is fully transparent');
  return problems;
}
