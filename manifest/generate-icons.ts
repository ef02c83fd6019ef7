/**
 * Redraws manifest/color.png and manifest/outline.png from icon-art.ts.
 * Run after changing the art: `npx tsx manifest/generate-icons.ts`, then commit the PNGs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawColorIcon, drawOutlineIcon, encodePng } from './icon-art';

writeFileSync(join(__dirname, 'color.png'), encodePng(drawColorIcon()));
writeFileSync(join(__dirname, 'outline.png'), encodePng(drawOutlineIcon()));
process.stdout.write('Wrote manifest/color.png (192x192) and manifest/outline.png (32x32)\n');
