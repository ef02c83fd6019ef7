/**
 * Loading a function app's code into this process, as the Node worker does: the files its
 * package.json `main` names (a file or a `*` glob, as built JS; during development the TypeScript
 * sources beside it when they are newer), each required (CommonJS) or imported (ES modules).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HostError } from '../common/errors';

export class AppLoadError extends HostError {
  readonly code = 'APP_LOAD';
  readonly retryable = false;
}

export function readJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new AppLoadError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The files to load for an app: its `main`, globbed, or the TypeScript sources of a built `main`. */
export function resolveEntries(appDir: string): string[] {
  const pkg = readJson(path.join(appDir, 'package.json'));
  if (!pkg)
    throw new AppLoadError(
      `${appDir} has no package.json; an Azure Functions Node app needs one with "main"`,
    );
  const main = typeof pkg.main === 'string' ? pkg.main : 'index.js';
  const found = glob(appDir, main);
  const source = main.replace(/^(\.\/)?(dist|out|build)\//, '').replace(/\.js$/, '.ts');
  const fromSource = source === main ? [] : glob(appDir, source);
  // During development the TypeScript sources win over a build that is older than they are.
  if (
    found.length > 0 &&
    !(fromSource.length > 0 && newestUnder(fromSource, '.ts') > newestUnder(found, '.js'))
  ) {
    return found;
  }
  if (fromSource.length > 0) return fromSource;
  throw new AppLoadError(`The app's main "${main}" matches no file in ${appDir} (run the build first)`);
}

/**
 * The newest modification time of the files with `ext` in the folders of `entries`, recursively:
 * an edit to any module of the app counts, not only to its entry file.
 */
function newestUnder(entries: string[], ext: string): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.name === 'node_modules' || d.name.startsWith('.')) continue;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) visit(full);
      else if (d.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of new Set(entries.map((e) => path.dirname(e)))) visit(dir);
  return newest;
}

function glob(dir: string, pattern: string): string[] {
  const full = path.resolve(dir, pattern);
  if (!pattern.includes('*')) return fs.existsSync(full) ? [full] : [];
  const folder = path.dirname(full);
  if (pattern.slice(0, pattern.lastIndexOf('/') + 1).includes('*')) {
    throw new AppLoadError(`main "${pattern}": only the file name may contain "*"`);
  }
  if (!fs.existsSync(folder)) return [];
  const re = new RegExp(
    `^${path
      .basename(full)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return fs
    .readdirSync(folder)
    .filter((f) => re.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !f.endsWith('.map'))
    .sort()
    .map((f) => path.join(folder, f));
}

/** Loads the app into this process; `@azure/functions-core` must be installed first (core.ts). */
export async function loadApp(appDir: string): Promise<string[]> {
  const entries = resolveEntries(appDir);
  for (const entry of entries) {
    if (entry.endsWith('.ts') || entry.endsWith('.cjs') || isCommonJs(appDir)) {
      require(entry);
    } else {
      await import(pathToFileURL(entry).href);
    }
  }
  return entries;
}

function isCommonJs(appDir: string): boolean {
  return readJson(path.join(appDir, 'package.json'))?.type !== 'module';
}
