/**
 * A language worker process: the entry point the host forks (workerProcess.ts), the part Azure's
 * Node worker plays. It installs the host's `@azure/functions-core`, loads the app, reports what
 * the app registered, then runs the invocations and hooks the host sends over IPC, one
 * {@link InProcessInvoker} for all of them. Its log lines go to its stdout, which the host passes
 * on whole.
 *
 * As in Azure's worker, an uncaught exception or an unhandled rejection ends the process (exit
 * code 1, after a log line): the host starts another and runs again what was in flight. It also
 * ends when the host is gone: the IPC channel closes, and a watchdog thread kills it even while
 * its event loop is stuck in a function that never yields.
 */
import { context } from '@opentelemetry/api';
import { createLogger } from '../common/log';
import { contextFrom, readTelemetryConfig, startTelemetry } from '../common/telemetry';
import { FunctionRegistry, installCoreModule } from './core';
import { InProcessInvoker, InvocationError } from './invoke';
import { loadApp } from './load';
import { type HostMessage, LIFELINE_FD, type Thrown, toThrown, type WorkerMessage } from './protocol';

// Plain JavaScript in a thread of its own: it reads the lifeline, which ends only when the host
// process is gone, and then kills this process, whatever its main thread is doing.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const lifeline = new net.Socket({ fd: workerData.fd, readable: true, writable: false });
const gone = () => process.kill(process.pid, 'SIGKILL');
lifeline.on('data', () => undefined);
lifeline.once('end', gone);
lifeline.once('close', gone);
lifeline.once('error', gone);
`;

function send(message: WorkerMessage): void {
  try {
    process.send?.(message);
  } catch (error) {
    // A value the channel cannot carry: the host is told the invocation failed, not left waiting.
    if (message.type === 'invoked') {
      process.send?.({
        type: 'failed',
        id: message.id,
        invocationId: message.invocationId,
        by: 'host',
        error: toThrown(error),
      } satisfies WorkerMessage);
    } else {
      throw error;
    }
  }
}

async function main(): Promise<void> {
  const appDir = process.argv[2];
  if (!appDir || !process.send) throw new Error('worker.ts runs as a worker process of signoff-host');
  const { Worker } = await import('node:worker_threads');
  new Worker(WATCHDOG, { eval: true, workerData: { fd: LIFELINE_FD }, execArgv: [] }).unref();
  process.once('disconnect', () => process.exit(0));

  const logger = createLogger();
  process.on('uncaughtException', (err) => {
    logger.fatal({ err, pid: process.pid }, 'worker uncaught exception; the worker process exits');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err, pid: process.pid }, 'worker unhandled promise rejection; the worker process exits');
    process.exit(1);
  });

  // Before the app loads, so that instrumentations (Azure Monitor's) see its modules load, and
  // so that the durable client finds the invocation's trace context to send on.
  const telemetry = await startTelemetry(readTelemetryConfig());
  const tracing = telemetry.path !== 'off';
  const registry = new FunctionRegistry(logger);
  installCoreModule(registry);
  let invoker: InProcessInvoker | undefined;
  // Listening before the app loads: the host may send settings (`env`) meanwhile.
  process.on('message', (message: HostMessage) => {
    if (message.type === 'ping') {
      send({ type: 'pong' });
    } else if (message.type === 'env') {
      Object.assign(process.env, message.values);
    } else if (!invoker) {
      // The host sends work only once the worker reported it loaded.
      const error = toThrown(new Error('the worker has not loaded the app yet'));
      if (message.type === 'invoke') fail(message, 'host', error);
      else send({ type: 'hooksDone', id: message.id, error });
    } else if (message.type === 'invoke') {
      invoke(registry, invoker, message, tracing);
    } else {
      invoker.runAppHooks(message.name).then(
        () => send({ type: 'hooksDone', id: message.id }),
        (error: unknown) => send({ type: 'hooksDone', id: message.id, error: toThrown(error) }),
      );
    }
  });
  try {
    await loadApp(appDir);
  } catch (error) {
    logger.fatal({ err: error }, 'the app failed to load');
    // Sent before the exit: the host names this error when it stops.
    process.send({ type: 'loadFailed', error: toThrown(error) } satisfies WorkerMessage, () =>
      process.exit(1),
    );
    return;
  }
  invoker = new InProcessInvoker(registry, logger, appDir);
  send({ type: 'loaded', registrations: registry.registrations() });
}

type InvokeMessage = Extract<HostMessage, { type: 'invoke' }>;

function fail(message: InvokeMessage, by: 'function' | 'host', error: Thrown): void {
  send({ type: 'failed', id: message.id, invocationId: message.invocationId, by, error });
}

function invoke(
  registry: FunctionRegistry,
  invoker: InProcessInvoker,
  message: InvokeMessage,
  tracing: boolean,
): void {
  const fn = registry.get(message.functionName);
  if (!fn) {
    fail(message, 'host', toThrown(new Error(`No function named "${message.functionName}" in this worker`)));
    return;
  }
  const run = () =>
    invoker.invoke({
      fn,
      invocationId: message.invocationId,
      inputData: message.inputData,
      triggerMetadata: message.triggerMetadata,
      traceParent: message.traceParent,
      logFields: message.logFields,
    });
  // The invocation's trace context is the active one while it runs, as it was on the host's loop.
  const running =
    tracing && message.traceParent
      ? context.with(contextFrom({ TraceParent: message.traceParent }), run)
      : run();
  running.then(
    ({ invocationId, response }) => send({ type: 'invoked', id: message.id, invocationId, response }),
    (error: unknown) =>
      error instanceof InvocationError
        ? fail(message, 'function', toThrown(error.original))
        : fail(message, 'host', toThrown(error)),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
