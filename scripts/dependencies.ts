/**
 * The artefact's dependencies: the packages its compiled code requires (and nothing the host,
 * the tests or the tooling need), with the versions this repository was tested with. The root
 * package.json has one `dependencies` list for the app and the embedded host together; the
 * artefact gets only the app's part of it, and a lockfile cut from the root one, so that a
 * production install (`npm ci --omit=dev`, or the remote build in Azure) gets exactly the tree
 * the tests ran on.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

export class ArtefactError extends Error {
  readonly code = 'ARTEFACT';
}

/** `require("x")` as TypeScript emits CommonJS. */
const REQUIRE = /\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g;

/** The package a bare specifier names: `zod/v4` → `zod`, `@azure/functions` → itself. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Every package the `.js` files under `dir` require, with the files that require it. */
export function requiredPackages(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of filesUnder(dir).filter((f) => f.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(REQUIRE)) {
      const specifier = match[1] as string;
      if (isBuiltin(specifier)) continue;
      const name = packageOf(specifier);
      found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

/** The files under `dir`, relative, with `/` separators, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * The root's version ranges for `required`; a package the app requires that the root lists only
 * as a devDependency, or not at all, is an error naming the files that require it.
 */
export function productionDependencies(
  required: Map<string, string[]>,
  root: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> },
): Record<string, string> {
  const problems: string[] = [];
  const deps: Record<string, string> = {};
  for (const [name, files] of [...required].sort(([a], [b]) => a.localeCompare(b))) {
    const range = root.dependencies?.[name];
    if (range) deps[name] = range;
    else {
      const where = root.devDependencies?.[name] ? 'only in devDependencies' : 'not in package.json';
      problems.push(`${name} (required by ${files.slice(0, 3).join(', ')}) is ${where}`);
    }
  }
  if (problems.length > 0) {
    throw new ArtefactError(
      `The app requires packages it would not get in production:\n- ${problems.join('\n- ')}`,
    );
  }
  return deps;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Where Node finds `name` from the package at `from` ('' for the root), in the lock's tree. */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf('/node_modules/');
    base = up === -1 ? '' : base.slice(0, up);
  }
}

/**
 * The part of the root lockfile (v2 or v3) that installs `dependencies` and everything they need
 * (dependencies, optional dependencies when present, peers that are not optional), at the same
 * places in the tree, with a root entry for `manifest`.
 */
export function lockfileFor(
  rootLock: Lockfile,
  manifest: { name: string; version: string; dependencies: Record<string, string>; [key: string]: unknown },
): Lockfile {
  if (rootLock.lockfileVersion < 2 || !rootLock.packages) {
    throw new ArtefactError('package-lock.json must be lockfileVersion 2 or 3 (npm 7 or later)');
  }
  const packages = rootLock.packages;
  const kept = new Map<string, LockEntry>();
  const missing: string[] = [];

  const visit = (from: string, name: string, optional: boolean) => {
    const at = locate(packages, from, name);
    if (!at) {
      if (!optional) missing.push(`${name} (needed by ${from || 'the app'})`);
      return;
    }
    if (kept.has(at)) return;
    const entry = packages[at] as LockEntry;
    if (entry.link) throw new ArtefactError(`${at} is a link (workspace); the artefact cannot include it`);
    const { dev, devOptional, ...rest } = entry;
    kept.set(at, devOptional ? { ...rest, optional: true } : rest);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(at, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(at, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) visit(at, dep, false);
    }
  };
  for (const name of Object.keys(manifest.dependencies)) visit('', name, false);
  if (missing.length > 0) {
    throw new ArtefactError(
      `package-lock.json lacks packages the app needs (run npm install):\n- ${missing.join('\n- ')}`,
    );
  }

  const root: LockEntry = {
    name: manifest.name,
    version: manifest.version,
    dependencies: manifest.dependencies,
  };
  for (const key of ['license', 'engines'] as const)
    if (manifest[key] !== undefined) root[key] = manifest[key];
  const sorted = [...kept].sort(([a], [b]) => a.localeCompare(b));
  return {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': root, ...Object.fromEntries(sorted) },
  };
}
