/**
 * Finding and loading a function app directory: its package.json `main` (a file or a `*` glob,
 * as built JS; during development the TypeScript source beside it), its host.json, and the
 * `Values` of local.settings.json, which `func start` also puts into the environment.
 */
import path from 'node:path';
import { z } from 'zod/v4';
import { applyLocalSettings as applyFuncStartSettings } from './bindings/localSettings';
import { AppLoadError, readJson } from './runtime/load';

// Loading the app's code is the worker's part (runtime/load.ts); these stay importable from here.
export { AppLoadError, loadApp, readJson, resolveEntries } from './runtime/load';

export interface HostJson {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
  /** `functionTimeout` in milliseconds; undefined when unbounded (`-1`). */
  functionTimeoutMs: number | undefined;
}

/**
 * The default `functionTimeout`: 30 minutes, Azure's default on every plan but Consumption (Flex
 * Consumption, Premium, Dedicated, Container Apps). A host that runs on a machine of its own is
 * one of those; Consumption's 5 minutes belongs to its per-execution billing.
 */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;
/** Azure refuses a `functionTimeout` under one second. */
const MIN_FUNCTION_TIMEOUT_MS = 1000;
const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;

/**
 * host.json's `functionTimeout`: a .NET TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`, fractions of a second
 * allowed), or `-1` for no limit, as Azure reads it; absent (or null), the default.
 */
export function parseFunctionTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null) return DEFAULT_FUNCTION_TIMEOUT_MS;
  if (value === -1 || value === '-1') return undefined;
  const m = typeof value === 'string' ? TIMESPAN.exec(value.trim()) : null;
  const [, d = '0', h = '0', min = '0', sec = '0', frac] = m ?? [];
  if (!m || Number(h) > 23 || Number(min) > 59 || Number(sec) > 59) {
    throw new AppLoadError(
      `host.json: functionTimeout ${JSON.stringify(value)} is not a TimeSpan like "00:05:00" (or -1 for no limit)`,
    );
  }
  const ms =
    ((Number(d) * 24 + Number(h)) * 3600 + Number(min) * 60 + Number(sec)) * 1000 +
    (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (ms < MIN_FUNCTION_TIMEOUT_MS) {
    throw new AppLoadError(
      `host.json: functionTimeout ${JSON.stringify(value)} is under the minimum, 00:00:01`,
    );
  }
  return ms;
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
    functionTimeoutMs: parseFunctionTimeout(json.functionTimeout),
  };
}

/** How the app's code runs: in worker processes (as in Azure), or on the host's event loop. */
export interface WorkerSettings {
  /** `FUNCTIONS_WORKER_PROCESS_COUNT`: 1 (Azure's default) to 10 (Azure's maximum). */
  processCount: number;
  /** `languageWorkers__node__arguments`: node options for each worker, as Azure passes them. */
  nodeArguments: string[];
}

export function readWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const text = env.FUNCTIONS_WORKER_PROCESS_COUNT?.trim() || '1';
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 10) {
    throw new AppLoadError(
      `FUNCTIONS_WORKER_PROCESS_COUNT: "${text}" is not a whole number from 1 to 10 (worker processes per host)`,
    );
  }
  const args = env.languageWorkers__node__arguments ?? env['languageWorkers:node:arguments'] ?? '';
  return { processCount: count, nodeArguments: args.split(/\s+/).filter(Boolean) };
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

/**
 * Puts local.settings.json `Values` into the environment as `func start` does: what is already
 * set (not empty) wins (bindings/localSettings.ts).
 */
export function applyLocalSettings(appDir: string): void {
  applyFuncStartSettings(appDir);
}
