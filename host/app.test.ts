import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEntries } from './app';

function app(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-app-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'dist/src/index.js' }));
  fs.mkdirSync(path.join(dir, 'dist', 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'index.ts'), '');
  fs.writeFileSync(path.join(dir, 'src', 'lib', 'rules.ts'), '');
  fs.writeFileSync(path.join(dir, 'dist', 'src', 'index.js'), '');
  return dir;
}

const at = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);

describe('resolveEntries', () => {
  it('runs the build when it is newer than every source module', () => {
    const dir = app();
    at(path.join(dir, 'src', 'index.ts'), 1000);
    at(path.join(dir, 'src', 'lib', 'rules.ts'), 1000);
    at(path.join(dir, 'dist', 'src', 'index.js'), 2000);
    expect(resolveEntries(dir)).toEqual([path.join(dir, 'dist', 'src', 'index.js')]);
  });

  it('runs the TypeScript sources when any module changed after the build', () => {
    const dir = app();
    at(path.join(dir, 'src', 'index.ts'), 1000);
    at(path.join(dir, 'dist', 'src', 'index.js'), 2000);
    at(path.join(dir, 'src', 'lib', 'rules.ts'), 3000);
    expect(resolveEntries(dir)).toEqual([path.join(dir, 'src', 'index.ts')]);
  });

  it('names a main that matches nothing', () => {
    const dir = app();
    fs.rmSync(path.join(dir, 'dist'), { recursive: true });
    fs.rmSync(path.join(dir, 'src'), { recursive: true });
    expect(() => resolveEntries(dir)).toThrow(/dist\/src\/index\.js/);
  });
});
