/**
 * Runs `cards/preview.ts` once, as `npm run cards:preview` does, into a temporary folder, and
 * checks that every sample card became a PNG of card-like size. Needs Chromium at
 * /usr/bin/chromium (or CHROMIUM_PATH): without it this test fails, saying so, rather than
 * skipping; CI installs it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { sampleCards } from './samples';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-cards-preview-'));

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk, which the format puts first. */
function pngSize(file: string): { width: number; height: number } {
  const head = Buffer.alloc(24);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 24, 0);
  } finally {
    fs.closeSync(fd);
  }
  expect(
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    `${file} is not a PNG`,
  ).toBe(true);
  expect(head.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

it('renders every sample card to a PNG with the Adaptive Cards renderer in Chromium', async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is required for the card previews but was not found at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  const tsx = require.resolve('tsx/cli');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [tsx, path.join(__dirname, 'preview.ts'), '--out', outDir],
    {
      timeout: 120_000,
    },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { images?: string[] };
  const expected = Object.keys(sampleCards()).map((name) => `${name}.png`);
  expect(report.images?.sort()).toEqual([...expected].sort());
  for (const image of expected) {
    const { width, height } = pngSize(path.join(outDir, image));
    expect(width, image).toBeGreaterThanOrEqual(300);
    expect(width, image).toBeLessThanOrEqual(1200);
    expect(height, image).toBeGreaterThanOrEqual(50);
    expect(height, image).toBeLessThanOrEqual(4000);
  }
});
