/**
 * The deployable function app, built into one folder (`dist/` by default) that holds what Azure
 * runs and nothing else:
 *
 *   functions/, bot/, cards/, domain/   compiled from functions/index.ts and what it imports
 *                                       (tsconfig.build.json: no host/, tests, benchmarks or tools)
 *   functions/approvals/policy.yaml     the bundled approval policy
 *   host.json, .funcignore              as in the repository
 *   package.json                        the app's production dependencies only
 *   package-lock.json                   the root lockfile cut down to them
 *
 * The folder is a function app root: `func start` / `func pack` / `azd deploy` take it as it is,
 * and so does the embedded host (`signoff-host start --app dist`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ArtefactError,
  type Lockfile,
  lockfileFor,
  productionDependencies,
  requiredPackages,
} from './dependencies';

export const ROOT = path.resolve(__dirname, '..');

/** Files copied as they are, from the repository root into the artefact. */
const COPIED = ['host.json', '.funcignore', 'functions/approvals/policy.yaml'];

export interface BuiltArtefact {
  dir: string;
  dependencies: Record<string, string>;
  /** Packages in the lockfile, the app's own included. */
  lockedPackages: number;
}

interface RootManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  'signoff-host'?: { auth?: Record<string, unknown> };
}

export function buildArtefact(outDir: string): BuiltArtefact {
  const dir = path.resolve(outDir);
  replaceable(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  compile(dir);
  for (const file of COPIED) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }

  const root = readJson<RootManifest>(path.join(ROOT, 'package.json'));
  const dependencies = productionDependencies(requiredPackages(dir), root);
  const manifest = artefactManifest(root, dependencies);
  writeJson(path.join(dir, 'package.json'), manifest);
  const lock = lockfileFor(readJson<Lockfile>(path.join(ROOT, 'package-lock.json')), manifest);
  writeJson(path.join(dir, 'package-lock.json'), lock);
  return { dir, dependencies, lockedPackages: Object.keys(lock.packages).length - 1 };
}

/**
 * The build empties its folder first, so it must be new, empty, or an earlier build: never the
 * repository, a folder holding it, or a folder of anything else (a mistyped `--out functions`).
 */
function replaceable(dir: string): void {
  const up = path.relative(dir, ROOT);
  if (!up.startsWith('..') && !path.isAbsolute(up)) {
    throw new ArtefactError(`Refusing to build into ${dir}: it holds the repository`);
  }
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) return;
  // An earlier build of this script, or of the tsc-only build before it.
  if (!fs.existsSync(path.join(dir, 'functions', 'index.js'))) {
    throw new ArtefactError(`Refusing to build into ${dir}: it is not empty and holds no earlier build`);
  }
}

function compile(outDir: string): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new ArtefactError(`TypeScript found errors:\n${result.stdout}${result.stderr}`);
  }
}

/**
 * The artefact's package.json: the root's identity, `main` at the compiled entry, and only the
 * app's dependencies. The embedded host's section stays (Azure ignores it), so the same folder
 * runs self-hosted too, without the development users file, which is not shipped.
 */
function artefactManifest(root: RootManifest, dependencies: Record<string, string>) {
  const auth = { ...(root['signoff-host']?.auth ?? {}) };
  delete auth.devUsers;
  return {
    name: root.name,
    version: root.version,
    private: true,
    description: root.description,
    license: root.license,
    type: 'commonjs',
    main: 'functions/index.js',
    engines: root.engines,
    dependencies,
    'signoff-host': { auth },
  };
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
