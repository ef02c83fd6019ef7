/**
 * host/durable/: the Durable Task engine (what DTFx and the Durable extension do in Azure):
 * orchestration episodes, activities, timers and the Durable HTTP API, on a SQLite store.
 *
 * The durable engine, the one object the rest of the host uses: it puts together the client
 * operations (client.ts), episode scheduling (scheduler.ts, episodeCommit.ts), the activity queue
 * (activities.ts), the timer schedule (timers.ts), the instance cache (cache.ts) and alerts
 * (alerting.ts) around one store, one clock and one group-commit queue, recovers what was pending
 * at start, and tells waiters when it is idle. See host/README.md for how an episode flows.
 */

import type { Logger } from '../common/log';
import type { FunctionRegistry } from '../runtime/core';
import type { Invoker } from '../runtime/invoke';
import { ActivityQueue } from './activities';
import { EngineAlerts } from './alerting';
import type { AlertSink } from './alertSink';
import { InstanceCache } from './cache';
import { ClientOperations } from './client';
import type { Clock } from './clock';
import { CommitQueue } from './commitQueue';
import { EndWaiters } from './endWaiters';
import { EntityScheduler } from './entities';
import { EntityClient } from './entityClient';
import type { HistoryEvent } from './history';
import type { EpisodeSettings, PendingMessage } from './outcome';
import { type InstanceQuery, type InstanceRow, TERMINAL_STATUSES } from './rows';
import { EpisodeScheduler } from './scheduler';
import type { Store } from './store';
import { TimerSchedule } from './timers';

export interface EngineOptions {
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  /** How many instances' histories stay in memory between episodes. */
  cacheSize: number;
  timers: EpisodeSettings;
  /** Replay every instance from a cold load at every episode (hunts non-determinism). */
  alwaysReplay: boolean;
  /** An instance still running this long after it was created raises an `instance-sla` alert. */
  instanceSlaMs?: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  maxConcurrentActivities: 64,
  maxConcurrentOrchestrations: 256,
  cacheSize: 2000,
  timers: {
    maximumShortTimerMs: 6 * 86_400_000,
    longRunningTimerIntervalMs: 3 * 86_400_000,
    // the extension's httpSettings.defaultAsyncRequestSleepTimeMilliseconds
    httpAsyncSleepMs: 30_000,
  },
  alwaysReplay: false,
};

export class Engine {
  readonly commits: CommitQueue;
  private readonly cache: InstanceCache;
  private readonly scheduler: EpisodeScheduler;
  private readonly activities: ActivityQueue;
  private readonly timers: TimerSchedule;
  private readonly alerting: EngineAlerts;
  private readonly endWaiters = new EndWaiters();
  private readonly client: ClientOperations;
  private readonly entityScheduler: EntityScheduler;
  /** Client operations on entities: signal, read, list, clean storage. */
  readonly entities: EntityClient;
  private idleWaiters: Array<() => void> = [];
  /** Called whenever the engine runs out of work (the virtual clock's auto-skip uses it). */
  onIdle: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    registry: FunctionRegistry,
    readonly invoker: Invoker,
    readonly clock: Clock,
    logger: Logger,
    options: EngineOptions,
  ) {
    // The parts call each other through these closures; `scheduler` is set below, before any runs.
    const deliver = (instanceId: string, message: PendingMessage) => this.scheduler.push(instanceId, message);
    const scheduleWake = () => this.scheduleWake();
    const settled = () => this.settled();
    // Work a commit released (activity results, new work) is picked up in the same turn.
    this.commits = new CommitQueue(store, () => {
      this.scheduler.pump();
      this.settled();
    });
    this.cache = new InstanceCache(store, options, (id) => this.scheduler.isRunning(id));
    this.alerting = new EngineAlerts(
      clock,
      logger,
      options.instanceSlaMs,
      (id) => this.cache.row(id),
      scheduleWake,
    );
    this.timers = new TimerSchedule(store, clock, deliver, scheduleWake);
    const invocations = { registry, invoker, now: () => clock.now() };
    this.activities = new ActivityQueue(
      store,
      this.commits,
      this.cache,
      invocations,
      options.maxConcurrentActivities,
      deliver,
      settled,
      (id) => this.scheduler.runsAtOnce(id),
    );
    const parts = {
      store,
      clock,
      commits: this.commits,
      cache: this.cache,
      activities: this.activities,
      timers: this.timers,
      alerts: this.alerting,
      endWaiters: this.endWaiters,
    };
    this.scheduler = new EpisodeScheduler({
      ...parts,
      logger,
      invocations,
      settings: options.timers,
      maxConcurrentOrchestrations: options.maxConcurrentOrchestrations,
      settled,
    });
    this.client = new ClientOperations({ ...parts, registry, scheduler: this.scheduler });
    this.entityScheduler = new EntityScheduler({
      store,
      commits: this.commits,
      registry,
      invoker,
      logger,
      now: () => clock.now(),
      deliver,
      isLive: (instanceId, executionId) => {
        const row = this.cache.row(instanceId);
        return (
          row !== undefined &&
          !TERMINAL_STATUSES.has(row.status) &&
          (executionId === undefined || row.executionId === executionId)
        );
      },
      maxConcurrent: options.maxConcurrentOrchestrations,
      settled,
    });
    this.scheduler.entities = (id, message) => this.entityScheduler.push(id, message);
    this.entities = new EntityClient({
      store,
      clock,
      commits: this.commits,
      registry,
      scheduler: this.entityScheduler,
      isLive: (instanceId) => {
        const row = this.cache.row(instanceId);
        return row !== undefined && !TERMINAL_STATUSES.has(row.status);
      },
    });
  }

  /** Where alerts go (activity failed after its last attempt, instance SLA); none: not raised. */
  get alerts(): AlertSink | undefined {
    return this.alerting.sink;
  }

  set alerts(sink: AlertSink | undefined) {
    this.alerting.sink = sink;
  }

  /** Loads what was pending when the host last stopped and starts working on it. */
  recover(): void {
    for (const m of this.store.allMessages()) {
      this.scheduler.push(m.instanceId, {
        source: 'message',
        rowId: m.id,
        executionId: m.executionId,
        event: JSON.parse(m.event) as HistoryEvent,
      });
    }
    this.alerting.recover(() => this.store.query({ runtimeStatus: ['Pending', 'Running', 'Suspended'] }));
    this.timers.recover();
    this.activities.add(this.store.allWork());
    this.scheduler.schedulePump();
  }

  close(): void {
    this.scheduler.close();
    this.entityScheduler.close();
    this.clock.close();
  }

  // ---- client operations (client.ts) --------------------------------------------------

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.cache.row(instanceId);
  }

  start(
    name: string,
    instanceId: string | undefined,
    input: string | undefined,
    traceContext?: HistoryEvent['ParentTraceContext'],
  ): Promise<InstanceRow> {
    return this.client.start(name, instanceId, input, traceContext);
  }

  raiseEvent(instanceId: string, name: string, dataJson: string | undefined): Promise<void> {
    return this.client.raiseEvent(instanceId, name, dataJson);
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    return this.client.terminate(instanceId, reason);
  }

  suspend(instanceId: string, reason: string): Promise<void> {
    return this.client.suspend(instanceId, reason);
  }

  resume(instanceId: string, reason: string): Promise<void> {
    return this.client.resume(instanceId, reason);
  }

  rewind(instanceId: string, reason: string): Promise<void> {
    return this.client.rewind(instanceId, reason);
  }

  purge(instanceId: string): Promise<boolean> {
    return this.client.purge(instanceId);
  }

  query(q: InstanceQuery): InstanceRow[] {
    return this.store.query(q);
  }

  /** The history as replayed, for the status API. */
  history(instanceId: string): HistoryEvent[] {
    return this.cache.history(instanceId);
  }

  /**
   * Resolves true when the instance has ended (Completed, Failed, Terminated), at once if it has,
   * or false when `timeoutMs` passes first (real time: a client is waiting).
   */
  whenEnded(instanceId: string, timeoutMs: number): Promise<boolean> {
    return this.endWaiters.wait(instanceId, timeoutMs, () => {
      const row = this.getInstance(instanceId);
      return !row || TERMINAL_STATUSES.has(row.status);
    });
  }

  // ---- time and idleness --------------------------------------------------------------

  /** When the next durable timer is due, if any. */
  get nextTimer(): number | undefined {
    return this.timers.next;
  }

  /** Tells the engine the clock moved (virtual clock), so due timers are loaded. */
  clockMoved(): void {
    this.timers.loadDue();
    this.alerting.checkSlas();
    this.settled();
  }

  /** Resolves when no work is pending or running and no timer is due. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Asks the clock to wake the engine at the next durable timer or SLA, whichever comes first. */
  private scheduleWake(): void {
    const sla = this.alerting.nextSla;
    const timer = this.timers.next;
    const at = sla === undefined ? timer : timer === undefined ? sla : Math.min(sla, timer);
    this.clock.wakeAt(at, () => this.clockMoved());
  }

  private isIdle(): boolean {
    const next = this.timers.next;
    return (
      this.scheduler.idle &&
      this.entityScheduler.idle &&
      this.activities.idle &&
      this.commits.idle &&
      (next === undefined || next > this.clock.now())
    );
  }

  private settled(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.onIdle?.();
  }
}
