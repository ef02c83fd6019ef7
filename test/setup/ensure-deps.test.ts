/**
 * What `npm start` and `npm test` check before they run (test/setup/ensure-deps.cjs): whether
 * node_modules holds what package-lock.json pins.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const { staleness } = createRequire(__filename)('./ensure-deps.cjs') as {
  staleness: (root: string) => string | undefined;
};

function project(lock: Record<string, unknown>, installed?: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-deps-'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ packages: lock }));
  if (installed) {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.writeFileSync(
      path.join(dir, 'node_modules', '.package-lock.json'),
      JSON.stringify({ packages: installed }),
    );
  }
  return dir;
}

const lock = {
  '': { name: 'signoff' },
  'node_modules/zod': { version: '3.25.76' },
  'node_modules/@biomejs/cli-darwin-arm64': { version: '2.3.10', optional: true },
};

it('finds nothing to do when node_modules holds the pinned versions', () => {
  expect(staleness(project(lock, { 'node_modules/zod': { version: '3.25.76' } }))).toBeUndefined();
});

it('says node_modules is missing on a fresh clone', () => {
  expect(staleness(project(lock))).toBe('node_modules is missing');
});

it('names the packages that differ', () => {
  expect(staleness(project(lock, { 'node_modules/zod': { version: '3.0.0' } }))).toBe(
    'node_modules does not match package-lock.json (1 package: zod)',
  );
  expect(staleness(project(lock, {}))).toMatch(/1 package: zod/);
});

it('passes this checkout, which npm installed', () => {
  expect(staleness(path.resolve('.'))).toBeUndefined();
});
