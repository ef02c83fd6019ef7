/**
 * The rules behind `npm run package:azure`, one by one: which files `func pack` would put in the
 * zip for a given `.funcignore` (scripts/funcignore.ts), and how the artefact's dependencies and
 * lockfile are cut from the repository's (scripts/dependencies.ts). The whole artefact is proven
 * by azure-artefact.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildArtefact } from '../scripts/artefact';
import {
  ArtefactError,
  type Lockfile,
  lockfileFor,
  packageOf,
  productionDependencies,
  requiredPackages,
} from '../scripts/dependencies';
import { packedFiles, parseFuncIgnore } from '../scripts/funcignore';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-pack-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('.funcignore, as func pack reads it', () => {
  const packs = (patterns: string, file: string) => parseFuncIgnore(patterns).packs(file);

  it('matches from the start of the path: * stays within a segment, ** crosses folders', () => {
    expect(packs('*.map', 'index.js.map')).toBe(false);
    expect(packs('*.map', 'functions/index.js.map')).toBe(true);
    expect(packs('**/*.map', 'functions/index.js.map')).toBe(false);
    expect(packs('node_modules', 'node_modules/yaml/index.js')).toBe(false);
    expect(packs('node_modules', 'functions/node_modules/x.js')).toBe(true);
  });

  it('ends a pattern at a word boundary, not at a path segment', () => {
    expect(packs('test', 'test/a.js')).toBe(false);
    expect(packs('test', 'test-data/a.json')).toBe(false);
    expect(packs('test', 'tests/a.js')).toBe(true);
    expect(packs('*.ts', 'a.tsx')).toBe(true);
  });

  it('takes ? literally, ignores a leading slash, comments and blank lines', () => {
    expect(packs('a?.js', 'ab.js')).toBe(true);
    expect(packs('a?.js', 'a?.js')).toBe(false);
    expect(packs('/host.json', 'host.json')).toBe(false);
    expect(packs('# host.json\n\n', 'host.json')).toBe(true);
  });

  it('keeps what a ! pattern names, whatever the order', () => {
    expect(packs('!keep.ts\n*.ts', 'keep.ts')).toBe(true);
    expect(packs('*.ts\n!keep.ts', 'other.ts')).toBe(false);
  });

  it('never packs .git or .vscode folders, local settings or ignore files', () => {
    const dir = folder({
      'host.json': '{}',
      '.funcignore': '',
      '.gitignore': '',
      'local.settings.json': '{}',
      'functions/local.settings.json': '{}',
      '.git/HEAD': '',
      'functions/.vscode/settings.json': '{}',
      'functions/index.js': '',
    });
    expect(packedFiles(dir)).toEqual(['functions/index.js', 'host.json']);
  });

  it("the repository's .funcignore leaves out dependencies, local data, sources and maps", () => {
    const dir = folder({
      '.funcignore': fs.readFileSync(path.join(__dirname, '..', '.funcignore'), 'utf8'),
      'host.json': '{}',
      'package.json': '{}',
      'package-lock.json': '{}',
      'functions/index.js': '',
      'functions/approvals/policy.yaml': '',
      'cards/templates/request.json': '{}',
      'node_modules/yaml/index.js': '',
      '.data/signoff.db': '',
      '__azurite_db_table__.json': '{}',
      'functions/index.ts': '',
      'functions/index.js.map': '',
      'functions/index.test.js': '',
      'host.log': '',
    });
    expect(packedFiles(dir)).toEqual([
      'cards/templates/request.json',
      'functions/approvals/policy.yaml',
      'functions/index.js',
      'host.json',
      'package-lock.json',
      'package.json',
    ]);
  });
});

describe("the artefact's dependencies", () => {
  it('are the packages its JavaScript requires, Node built-ins aside', () => {
    const dir = folder({
      'a.js': 'const x = require("zod/v4"); const fs = require("node:fs"); const p = require("path");',
      'b/c.js': 'require("@azure/functions"); require("./local"); require("../up");',
    });
    expect(Object.fromEntries(requiredPackages(dir))).toEqual({
      zod: ['a.js'],
      '@azure/functions': ['b/c.js'],
    });
    expect(packageOf('@azure/functions/types')).toBe('@azure/functions');
  });

  it("take the root's ranges, and refuse a package the root has only for development", () => {
    const root = { dependencies: { zod: '3.25.76' }, devDependencies: { vitest: '4.1.12' } };
    expect(productionDependencies(new Map([['zod', ['a.js']]]), root)).toEqual({ zod: '3.25.76' });
    expect(() => productionDependencies(new Map([['vitest', ['functions/x.js']]]), root)).toThrow(
      /vitest \(required by functions\/x\.js\) is only in devDependencies/,
    );
    expect(() => productionDependencies(new Map([['left-pad', ['y.js']]]), root)).toThrow(
      /left-pad .* is not in package\.json/,
    );
  });
});

describe('the lockfile cut from the root one', () => {
  const rootLock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { app: '^1.0.0' }, devDependencies: { tool: '^1.0.0' } },
      'node_modules/app': {
        version: '1.0.0',
        dependencies: { shared: '^2.0.0', nested: '^1.0.0' },
        optionalDependencies: { 'native-extra': '^1.0.0' },
        peerDependencies: { peer: '^1.0.0', 'optional-peer': '^1.0.0' },
        peerDependenciesMeta: { 'optional-peer': { optional: true } },
      },
      'node_modules/app/node_modules/shared': { version: '2.0.0' },
      'node_modules/shared': { version: '1.0.0', dev: true },
      'node_modules/nested': { version: '1.0.0', devOptional: true },
      'node_modules/peer': { version: '1.0.0', peer: true },
      'node_modules/optional-peer': { version: '1.0.0', dev: true, peer: true },
      'node_modules/tool': { version: '1.0.0', dev: true, dependencies: { shared: '^1.0.0' } },
    },
  };
  const manifest = { name: 'signoff', version: '0.1.0', dependencies: { app: '^1.0.0' } };

  it("holds what the app's dependencies need, where Node finds it, and nothing for development", () => {
    const lock = lockfileFor(rootLock, manifest);
    expect(Object.keys(lock.packages)).toEqual([
      '',
      'node_modules/app',
      'node_modules/app/node_modules/shared',
      'node_modules/nested',
      'node_modules/peer',
    ]);
    expect(lock.packages['']).toEqual({ name: 'signoff', version: '0.1.0', dependencies: { app: '^1.0.0' } });
    expect(lock.packages['node_modules/nested']).toEqual({ version: '1.0.0', optional: true });
    expect(lock.lockfileVersion).toBe(3);
  });

  it('names what the root lockfile lacks', () => {
    const broken = structuredClone(rootLock);
    delete broken.packages['node_modules/peer'];
    expect(() => lockfileFor(broken, manifest)).toThrow(ArtefactError);
    expect(() => lockfileFor(broken, manifest)).toThrow(/peer \(needed by node_modules\/app\)/);
  });
});

describe('the build folder', () => {
  it('is emptied only if it is new, empty or an earlier build', () => {
    const root = path.resolve(__dirname, '..');
    expect(() => buildArtefact(path.dirname(root))).toThrow(/holds the repository/);
    expect(() => buildArtefact(path.join(root, 'functions'))).toThrow(/not empty and holds no earlier build/);
    expect(fs.existsSync(path.join(root, 'functions', 'index.ts'))).toBe(true);
  });
});
