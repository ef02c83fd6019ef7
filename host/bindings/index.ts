/**
 * host/bindings/: the storage bindings and the queue and timer triggers, as the Functions host
 * and its storage and timer extensions give them to an app, against the app's
 * `AzureWebJobsStorage` (Azurite locally, a real account by connection string or identity).
 *
 * - indexing.ts: every function's bindings checked at start-up (types, `%Setting%`s,
 *   connections); a problem stops the host, naming the function, the binding and the type;
 * - boundInvoker.ts: blob and table inputs read, blob, queue and table outputs written, around
 *   each invocation, on the host's side of the invoker (where the Functions host does it);
 * - queueTrigger.ts, timerTrigger.ts: the listeners that invoke queue- and timer-triggered
 *   functions; scheduleMonitor.ts, ncrontab.ts, timerSchedule.ts, alarms.ts for timers;
 * - expressions.ts, bindingData.ts, settings.ts, connections.ts, localSettings.ts: binding
 *   expressions, app settings, storage connections and local.settings.json.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../common/log';
import type { Clock } from '../durable/clock';
import type { FunctionRegistry } from '../runtime/core';
import type { Invoker } from '../runtime/invoke';
import { type Alarms, alarmsOn } from './alarms';
import { BoundInvoker } from './boundInvoker';
import { StorageAccounts } from './connections';
import { type FunctionPlan, indexFunctions } from './indexing';
import { QueueWatcher } from './queue';
import { type QueueOptions, readQueueOptions } from './queueOptions';
import { QueueTriggerListener } from './queueTrigger';
import { ScheduleMonitor } from './scheduleMonitor';
import { lookup, type Settings } from './settings';
import { TimerTriggerListener } from './timerTrigger';

export { BindingIndexError } from './errors';
export { SUPPORTED_TYPES } from './indexing';
export { applyLocalSettings, readLocalSettings } from './localSettings';

export interface BindingsOptions {
  registry: FunctionRegistry;
  appDir: string;
  /** The host's data directory: it names this host for the schedule monitor. */
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** `func start` defaults: a 2-second `maxPollingInterval`. */
  development: boolean;
  /** App settings (the environment, local.settings.json applied); process.env by default. */
  settings?: Settings;
}

interface Listener {
  start(): unknown;
  stop(): Promise<void>;
}

/** The app's bindings and triggers: indexed at start-up, then around every invocation. */
export class Bindings {
  private readonly watcher = new QueueWatcher();
  private readonly alarms: Alarms;
  private invoker: Invoker | undefined;
  private listeners: Listener[] = [];

  private constructor(
    private readonly options: BindingsOptions,
    private readonly plans: FunctionPlan[],
    private readonly queueOptions: QueueOptions,
    private readonly accounts: StorageAccounts,
    private readonly settings: Settings,
  ) {
    this.alarms = alarmsOn(options.clock);
  }

  /**
   * Indexes the app's functions (which must be registered by now); throws a
   * {@link BindingIndexError} that names every problem.
   */
  static index(options: BindingsOptions): Bindings {
    const settings = options.settings ?? process.env;
    const queueOptions = readQueueOptions(options.appDir, { development: options.development });
    const accounts = new StorageAccounts(settings);
    const plans = indexFunctions(options.registry.functions.values(), {
      settings,
      accounts,
      now: options.clock.now(),
    });
    for (const plan of plans) {
      if (plan.fn.metadata.retryOptions && plan.trigger.kind !== 'timer') {
        options.logger.warn(
          { function: plan.fn.name, trigger: plan.fn.trigger.type },
          `Function '${plan.fn.name}' has a retry policy, which Azure Functions applies only to timer (and Event Hubs, Cosmos DB, Kafka) triggers: it is ignored`,
        );
      }
    }
    return new Bindings(options, plans, queueOptions, accounts, settings);
  }

  /**
   * The invoker the host hands to everything that invokes functions: `inner` with the bindings
   * around each invocation. `durableClient` gives the durable client binding's payload.
   */
  decorate<T extends Invoker>(inner: T, durableClient: () => unknown): T {
    const bound = new BoundInvoker(this.plans, {
      clock: this.options.clock,
      logger: this.options.logger,
      queues: this.queueOptions,
      watcher: this.watcher,
      durableClient,
    });
    const decorated = bound.decorate(inner);
    this.invoker = decorated;
    return decorated;
  }

  /** Starts the queue and timer triggers (past-due and run-on-startup timers run now). */
  async start(): Promise<void> {
    const invoker = this.invoker;
    if (!invoker) throw new Error('Bindings.start before Bindings.decorate');
    const { clock, logger, dataDir } = this.options;
    for (const plan of this.plans) {
      const trigger = plan.trigger;
      if (trigger.kind === 'queue') {
        const listener = new QueueTriggerListener(
          plan.fn,
          trigger.account.queues(),
          trigger.queueName,
          trigger.asBytes,
          {
            invoker,
            clock,
            logger,
            options: this.queueOptions,
            watcher: this.watcher,
          },
        );
        listener.start();
        this.listeners.push(listener);
      } else if (trigger.kind === 'timer') {
        const monitor = trigger.useMonitor
          ? new ScheduleMonitor(this.accounts.get(undefined), hostId(dataDir, this.settings), logger)
          : undefined;
        const listener = new TimerTriggerListener(
          plan.fn,
          { schedule: trigger.schedule, runOnStartup: trigger.runOnStartup, retry: trigger.retry, monitor },
          { invoker, clock, alarms: this.alarms, logger },
        );
        this.listeners.push(listener);
        await listener.start();
      }
    }
  }

  /** Stops the triggers and waits for the invocations they started. */
  async stop(): Promise<void> {
    const listeners = this.listeners;
    this.listeners = [];
    await Promise.all(listeners.map((l) => l.stop()));
    this.alarms.close();
  }
}

/**
 * The host's id, which keeps its timers' status apart from other hosts' on the same storage:
 * `AzureFunctionsWebHost__hostid` when set (as in Azure), else one derived from the data
 * directory (one host per directory), so a restart on the same data is the same host.
 */
export function hostId(dataDir: string, settings: Settings): string {
  const set = lookup(settings, 'AzureFunctionsWebHost:hostid')?.trim();
  if (set) return set.toLowerCase();
  return `signoff-${createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;
}
