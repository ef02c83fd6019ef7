/**
 * host/: the embedded host, which runs an unmodified Azure Functions v4 Node app as the Functions
 * host, the Node worker and the Durable Task extension would, in one process, durably on SQLite.
 *
 * This file starts it: locks the data directory, opens the durable store, loads a function app in
 * its worker processes (runtime/appRuntime.ts), recovers pending work, and serves HTTP within the
 * request limits. One host per process, and one per data directory (dataLock.ts).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { applyLocalSettings, readHostAuthSettings, readHostJson, readWorkerSettings } from './app';
import { PlatformAuth } from './auth';
import { type HostKeys, loadHostKeys } from './auth/secrets';
import { Bindings } from './bindings';
import { createLogger, type Logger } from './common/log';
import { readTelemetryConfig, startTelemetry } from './common/telemetry';
import { type DataDirLock, lockDataDir } from './dataLock';
import { HostAlertSink, readAlertConfig } from './durable/alertSink';
import { clientBindingPayload } from './durable/apiLinks';
import { type Clock, RealClock, VirtualClock } from './durable/clock';
import { parseDuration } from './durable/duration';
import { DEFAULT_ENGINE_OPTIONS, Engine } from './durable/engine';
import { Store } from './durable/store';
import { closeGently, refuseOversized, useRequestLimits } from './http/body';
import { readRequestLimits, serverOptions } from './http/limits';
import { createRequestHandler, httpRoutes } from './http/server';
import { startAppRuntime } from './runtime/appRuntime';
import { FunctionRegistry } from './runtime/core';

export interface HostOptions {
  appDir: string;
  dataDir: string;
  port?: number;
  hostname?: string;
  clock?: 'real' | 'virtual';
  autoSkip?: boolean;
  alwaysReplay?: boolean;
  logLevel?: string;
  /**
   * Development mode: the dev issuer when no issuer is configured, the app told it runs in
   * `Development` (`AZURE_FUNCTIONS_ENVIRONMENT`, as `func start` does), the keys printed.
   */
  dev?: boolean;
  maxConcurrentActivities?: number;
  /**
   * Run the app on the host's event loop instead of worker processes (`--in-process`): no
   * `functionTimeout`, no isolation; for comparisons and debuggers.
   */
  inProcess?: boolean;
  /**
   * The data directory's lock, when the caller took it (the CLI takes it before it starts
   * Azurite, whose data is there too) and lets it go; else the host takes it and lets it go.
   */
  dataLock?: DataDirLock;
}

export interface RunningHost {
  url: string;
  port: number;
  engine: Engine;
  clock: Clock;
  registry: FunctionRegistry;
  logger: Logger;
  auth: PlatformAuth;
  keys: HostKeys;
  /** Lines describing what is served, as printed at start. */
  describe(): string[];
  close(): Promise<void>;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  if (options.dataLock) return startLockedHost(options, undefined);
  // Before anything is read or written there: another host may be running on it.
  const lock = lockDataDir(options.dataDir);
  try {
    return await startLockedHost(options, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The host, on a data directory locked for it; `ownLock` is let go when it closes. */
async function startLockedHost(options: HostOptions, ownLock: DataDirLock | undefined): Promise<RunningHost> {
  const logger = createLogger({ level: options.logLevel });
  const appDir = path.resolve(options.appDir);
  const registry = new FunctionRegistry(logger);
  applyLocalSettings(appDir);
  const dev = options.dev ?? false;
  // What the app can tell its environment by: Development locally (as `func start` sets it),
  // else Production, Azure's default.
  if (dev) process.env.AZURE_FUNCTIONS_ENVIRONMENT = 'Development';
  else process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Production';
  const hostJson = readHostJson(appDir);
  const workerSettings = readWorkerSettings();
  const authSettings = readHostAuthSettings(appDir);
  const dataDir = path.resolve(options.dataDir);
  const keys = loadHostKeys(dataDir);
  const auth = new PlatformAuth({
    dataDir,
    dev,
    adminRoles: authSettings.adminRoles,
    excludedPaths: authSettings.excludedPaths,
    devUsersFile: authSettings.devUsers,
  });
  const alertConfig = readAlertConfig();
  const requestLimits = readRequestLimits();
  useRequestLimits(requestLimits);
  // Before the app loads, so that instrumentations (Azure Monitor's) see its modules load.
  const telemetry = await startTelemetry(readTelemetryConfig());
  if (telemetry.path !== 'off') logger.info({ telemetry: telemetry.path }, 'telemetry on');
  const store = new Store(dataDir);

  let clock: Clock;
  if (options.clock === 'virtual') {
    const saved = Number(store.getMeta('virtualNow') ?? 0);
    // Tests of recovery say how long the host "was down": virtual time that passed meanwhile.
    const downtime = process.env.SIGNOFF_VIRTUAL_DOWNTIME
      ? parseDuration(process.env.SIGNOFF_VIRTUAL_DOWNTIME)
      : 0;
    const virtual = new VirtualClock({
      start: Math.max(Date.now(), saved) + downtime,
      autoSkip: options.autoSkip,
    });
    clock = virtual;
  } else {
    clock = new RealClock();
  }

  const hostname = options.hostname ?? '127.0.0.1';
  let port = options.port ?? 7071;
  const origin = () => `http://${hostname}:${port}`;
  const runtime = await startAppRuntime({
    appDir,
    registry,
    logger,
    inProcess: options.inProcess ?? false,
    processCount: workerSettings.processCount,
    nodeArguments: workerSettings.nodeArguments,
    functionTimeoutMs: hostJson.functionTimeoutMs,
  });
  // Storage bindings and the queue and timer triggers, indexed now that the app's functions are
  // known (a binding the host cannot give stops it here), around every invocation from here on.
  const bindings = Bindings.index({ registry, appDir, dataDir, logger, clock, development: dev });
  const invoker = bindings.decorate(runtime, (): unknown => clientBindingPayload(api, origin()));
  const engine = new Engine(store, registry, invoker, clock, logger, {
    ...DEFAULT_ENGINE_OPTIONS,
    maxConcurrentActivities:
      options.maxConcurrentActivities ??
      hostJson.maxConcurrentActivityFunctions ??
      DEFAULT_ENGINE_OPTIONS.maxConcurrentActivities,
    maxConcurrentOrchestrations:
      hostJson.maxConcurrentOrchestratorFunctions ?? DEFAULT_ENGINE_OPTIONS.maxConcurrentOrchestrations,
    alwaysReplay: options.alwaysReplay ?? false,
    instanceSlaMs: alertConfig.instanceSlaMs,
  });
  if (clock instanceof VirtualClock) {
    const virtual = clock;
    engine.onIdle = () => {
      store.setMeta('virtualNow', String(virtual.now()));
      if (virtual.autoSkip && engine.nextTimer !== undefined) setImmediate(() => virtual.skipToNext());
    };
  }

  const api = {
    engine,
    taskHub: hostJson.hubName,
    connection: 'Storage',
    systemKey: keys.systemKey,
    // New at every start: only the app's own client in this process ever holds it.
    rpcSecret: randomBytes(24).toString('base64url'),
  };
  const handler = createRequestHandler({
    registry,
    invoker,
    engine,
    logger,
    routePrefix: hostJson.routePrefix,
    auth,
    keys,
    origin,
    api,
  });
  const server = http.createServer(serverOptions(requestLimits), (req, res) => {
    if (!refuseOversized(req, res)) void handler(req, res);
  });
  // A client that asks before it sends a large body (curl does) is refused before it sends it.
  server.on('checkContinue', (req, res) => {
    if (refuseOversized(req, res)) return;
    res.writeContinue();
    void handler(req, res);
  });
  // An answer before the whole request (a refusal, a 401) must reach a client still sending.
  server.on('connection', closeGently);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  process.env.WEBSITE_HOSTNAME = `${hostname}:${port}`;
  invoker.setEnvironment({ WEBSITE_HOSTNAME: process.env.WEBSITE_HOSTNAME });
  // A webhook path means this host's own app (e.g. /api/alerts), called with its function key.
  const webhook = alertConfig.webhook;
  const alertSink = new HostAlertSink(
    logger,
    webhook === undefined
      ? undefined
      : {
          url: webhook.startsWith('/') ? `${origin()}${webhook}` : webhook,
          headers: webhook.startsWith('/') ? { 'x-functions-key': keys.functionKey } : undefined,
        },
  );
  engine.alerts = alertSink;

  await invoker.runAppHooks('appStart');
  engine.recover();
  await bindings.start();
  // Read the issuer's metadata now, so the first request does not wait for it (failures are retried).
  auth.validator
    ?.warmUp()
    .catch((err: unknown) => logger.warn({ err }, 'identity provider not reachable yet'));

  const url = origin();
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    engine,
    clock,
    registry,
    logger,
    auth,
    keys,
    describe() {
      const lines = [`Signoff host listening on ${url}`, invoker.describe(), ...auth.describe()];
      if (dev) {
        lines.push(
          `System key: ${keys.systemKey} (management API, /admin, dashboard: x-functions-key header or ?code=)`,
          `Dashboard: ${url}/_dashboard/?code=${encodeURIComponent(keys.systemKey)}`,
        );
      } else {
        lines.push(
          keys.generated.systemKey
            ? `System key: in ${keys.file} (or set SIGNOFF_SYSTEM_KEY)`
            : 'System key: from SIGNOFF_SYSTEM_KEY',
          `Dashboard: ${url}/_dashboard/ (sign in with ?code=<system key>)`,
        );
      }
      lines.push(`Durable HTTP API: ${url}/runtime/webhooks/durabletask/`);
      for (const r of httpRoutes(registry, hostJson.routePrefix)) {
        const methods = r.methods ? [...r.methods].join(',') : 'ANY';
        lines.push(`  ${r.fn.name}: [${methods}] ${url}/${r.template.template}`);
      }
      for (const fn of registry.functions.values()) {
        if (fn.trigger.type !== 'httpTrigger') lines.push(`  ${fn.name}: ${fn.trigger.type}`);
      }
      return lines;
    },
    close() {
      closing ??= (async () => {
        // Alerts on their way to the app's webhook (often this host itself) arrive first.
        await alertSink.flushed();
        // Queue and timer triggers stop taking work; what they started finishes.
        await bindings.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await engine.commits.enqueue(() => undefined).catch(() => undefined);
        engine.close();
        await invoker
          .runAppHooks('appTerminate')
          .catch((err: unknown) => logger.error({ err }, 'appTerminate hook failed'));
        await invoker.close();
        store.close();
        ownLock?.release();
        await telemetry
          .shutdown()
          .catch((err: unknown) => logger.error({ err }, 'telemetry did not shut down cleanly'));
      })();
      return closing;
    },
  };
}
