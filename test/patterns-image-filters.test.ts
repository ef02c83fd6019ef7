/**
 * Image filters (fan-out/fan-in) on the embedded host: 200 real PNGs filtered in parallel
 * activities; the aggregate is checked against a direct computation over the same pixels.
 */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPng, type ImageAggregate } from '../functions/patterns/imageFilters';
import { startTestHost, type TestHost } from '../host/testing';
import { activitiesRun, finished, run } from './support/patterns';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});
afterAll(async () => {
  await host?.stop();
});

/** Mean BT.601 luma of decoded RGBA pixels, after `map` is applied to each channel value. */
function meanLuma(png: PNG, pixel: (r: number, g: number, b: number) => [number, number, number]): number {
  let total = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b] = pixel(png.data[4 * i] ?? 0, png.data[4 * i + 1] ?? 0, png.data[4 * i + 2] ?? 0);
    total += 0.299 * r + 0.587 * g + 0.114 * b;
  }
  return total / (png.width * png.height);
}

function solidPng(size: number, rgb: [number, number, number]): string {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(png).toString('base64');
}

describe('image filters', () => {
  it('inverts 200 generated images and aggregates what a direct computation gives', async () => {
    const N = 200;
    const { id, output } = await run<ImageAggregate>(host, 'image-filters', {
      filter: 'invert',
      generate: { count: N, size: 16 },
    });

    let before = 0;
    let after = 0;
    let bytesIn = 0;
    for (let i = 0; i < N; i++) {
      const bytes = gradientPng(i, 16);
      bytesIn += bytes.length;
      const png = PNG.sync.read(bytes);
      before += meanLuma(png, (r, g, b) => [r, g, b]);
      after += meanLuma(png, (r, g, b) => [255 - r, 255 - g, 255 - b]);
    }
    expect(output.filter).toBe('invert');
    expect(output.count).toBe(N);
    expect(output.meanLuminanceBefore).toBeCloseTo(before / N, 9);
    expect(output.meanLuminanceAfter).toBeCloseTo(after / N, 9);
    expect(output.meanLuminanceAfter).toBeCloseTo(255 - output.meanLuminanceBefore, 9);
    expect(output.bytesIn).toBe(bytesIn);
    expect(output.bytesOut).toBeGreaterThan(N * 67); // every output is a whole PNG

    const status = await finished(host, id);
    expect(activitiesRun(status)).toEqual(Array.from({ length: N }, () => 'imageFilter'));
  });

  it('filters images given as base64 PNGs', async () => {
    const { output } = await run<ImageAggregate>(host, 'image-filters', {
      filter: 'grayscale',
      images: [solidPng(4, [255, 0, 0]), solidPng(2, [255, 255, 255]), solidPng(3, [0, 0, 0])],
    });
    // red: luma 76.245, grayscale rounds each pixel to 76; white and black stay as they are
    expect(output).toMatchObject({ filter: 'grayscale', count: 3, darkest: 2, brightest: 1 });
    expect(output.meanLuminanceBefore).toBeCloseTo((76.245 + 255 + 0) / 3, 9);
    expect(output.meanLuminanceAfter).toBeCloseTo((76 + 255 + 0) / 3, 9);
  });

  it('answers 400 naming the field and the rule', async () => {
    const both = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/patterns/image-filters', {
        filter: 'sepia',
        generate: { count: 0 },
        images: ['bm90IGEgcG5n'],
      });
    expect(both.status).toBe(400);
    expect(both.body.problems).toEqual(
      expect.arrayContaining([
        { field: 'filter', rule: 'must be "grayscale" or "invert"' },
        { field: 'generate.count', rule: 'must be at least 1' },
        { field: 'images.0', rule: 'must be a PNG image' },
      ]),
    );
    const neither = await host.as('patti').post<{ problems: unknown }>('/api/patterns/image-filters', {
      filter: 'invert',
    });
    expect(neither.status).toBe(400);
    expect(neither.body.problems).toEqual([
      { field: 'images', rule: 'give exactly one of images or generate' },
    ]);
  });
});
