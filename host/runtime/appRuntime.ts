/**
 * Where the app's code runs, chosen at start: in worker processes (the default, as in Azure:
 * workerPool.ts), or with `inProcess` on the host's own event loop, as the host ran apps before it
 * had workers (kept for comparison in the benchmarks and for a debugger attached to the host; no
 * `functionTimeout` and no isolation there). Either way the host gets the functions the app
 * registered, in its registry, and an {@link Invoker}.
 */
import type { Logger } from '../common/log';
import { type FunctionRegistry, installCoreModule } from './core';
import { InProcessInvoker, type Invoker } from './invoke';
import { loadApp } from './load';
import { WorkerPool } from './workerPool';

export interface AppRuntimeOptions {
  appDir: string;
  /** Filled with what the app registered. */
  registry: FunctionRegistry;
  logger: Logger;
  /** Run the app on the host's event loop instead of worker processes. */
  inProcess: boolean;
  /** `FUNCTIONS_WORKER_PROCESS_COUNT`. */
  processCount: number;
  /** `languageWorkers__node__arguments`. */
  nodeArguments: string[];
  /** host.json `functionTimeout`; undefined: no limit. */
  functionTimeoutMs: number | undefined;
}

export interface AppRuntime extends Invoker {
  /** Settings the app must see that the host learnt after the app loaded (its own address). */
  setEnvironment(values: Record<string, string>): void;
  /** One line on where the app runs, for the start banner. */
  describe(): string;
}

/** Loads the app where it is to run; rejects when it does not load (an AppLoadError names why). */
export async function startAppRuntime(options: AppRuntimeOptions): Promise<AppRuntime> {
  const { registry, logger, appDir } = options;
  if (options.inProcess) {
    installCoreModule(registry);
    await loadApp(appDir);
    const invoker = new InProcessInvoker(registry, logger, appDir);
    return Object.assign(invoker, {
      setEnvironment: (values: Record<string, string>) => Object.assign(process.env, values),
      describe: () => 'App: in the host process (--in-process: no functionTimeout, no worker processes)',
    });
  }
  const pool = new WorkerPool({ ...options, logLevel: logger.level });
  registry.adopt(await pool.start());
  return Object.assign(pool, {
    describe: () => {
      const timeout = options.functionTimeoutMs;
      const limit = timeout === undefined ? 'no functionTimeout' : `functionTimeout ${timeout / 1000} s`;
      return `App: ${options.processCount} worker process${options.processCount === 1 ? '' : 'es'} (PID ${pool.pids.join(', ')}), ${limit}`;
    },
  });
}
