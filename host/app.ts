/**
 * Finding and loading a function app directory: its package.json `main` (a file or a `*` glob,
 * as built JS; during development the TypeScript source beside it), its host.json, and the
 * `Values` of local.settings.json, which `func start` also puts into the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod/v4';
import { HostError } from './common/errors';

export class AppLoadError extends HostError {
  readonly code = 'APP_LOAD';
  readonly retryable = false;
}

export interface HostJson {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
}

export function readJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new AppLoadError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function readHostJson(appDir: string): HostJson {
  const json = readJson(path.join(appDir, 'host.json')) ?? {};
  const ext = (json.extensions ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const http = ext.http ?? {};
  const durable = ext.durableTask ?? {};
  const routePrefix = http.routePrefix ?? 'api';
  if (typeof routePrefix !== 'string')
    throw new AppLoadError('host.json: extensions.http.routePrefix must be a string');
  const hubName = durable.hubName ?? 'TestHubName';
  if (typeof hubName !== 'string')
    throw new AppLoadError('host.json: extensions.durableTask.hubName must be a string');
  const num = (v: unknown, name: string) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new AppLoadError(`host.json: extensions.durableTask.${name} must be a positive integer`);
    }
    return v;
  };
  return {
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''),
    hubName,
    maxConcurrentActivityFunctions: num(
      durable.maxConcurrentActivityFunctions,
      'maxConcurrentActivityFunctions',
    ),
    maxConcurrentOrchestratorFunctions: num(
      durable.maxConcurrentOrchestratorFunctions,
      'maxConcurrentOrchestratorFunctions',
    ),
  };
}

/**
 * What the app tells the host about the platform's authentication, in its package.json
 * (`"signoff-host": {"auth": {...}}`; Azure ignores the field and takes the same facts from the
 * App Service Authentication settings):
 * - `adminRoles`: app roles whose tokens may use the management API, `/admin/*` and the dashboard;
 * - `excludedPaths`: paths where the platform leaves the `Authorization` header alone (a bot's
 *   `/api/messages` carries Bot Framework tokens, which the app validates itself), as
 *   `globalValidation.excludedPaths` does in Azure;
 * - `devUsers`: a JSON file of the aliases `signoff-host token --user` knows in dev mode.
 */
export interface HostAuthSettings {
  adminRoles: string[];
  excludedPaths: string[];
  devUsers?: string;
}

const hostAuthSchema = z
  .object({
    adminRoles: z.array(z.string().min(1)).default([]),
    excludedPaths: z.array(z.string().startsWith('/', 'must start with "/"')).default([]),
    devUsers: z.string().min(1).optional(),
  })
  .strict();

export function readHostAuthSettings(appDir: string): HostAuthSettings {
  const section = readJson(path.join(appDir, 'package.json'))?.['signoff-host'] as
    | { auth?: unknown }
    | undefined;
  const parsed = hostAuthSchema.safeParse(section?.auth ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['auth', ...i.path].join('.')}: ${i.message}`);
    throw new AppLoadError(`package.json "signoff-host": ${problems.join('; ')}`);
  }
  const settings = parsed.data;
  return {
    ...settings,
    devUsers: settings.devUsers === undefined ? undefined : path.resolve(appDir, settings.devUsers),
  };
}

/** Puts local.settings.json `Values` into the environment, without overriding what is set. */
export function applyLocalSettings(appDir: string): void {
  const json = readJson(path.join(appDir, 'local.settings.json'));
  const values = json?.Values;
  if (!values || typeof values !== 'object') return;
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    if (process.env[k] === undefined && typeof v === 'string') process.env[k] = v;
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
