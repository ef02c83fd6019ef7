/**
 * The client operations on instances: start, raise an event, terminate, suspend, resume, rewind
 * and purge. Each is committed (fsynced) before it is acknowledged, and only then reaches the
 * instance's mailbox. {@link DurableError} says why an operation was refused.
 */
import { HostError } from '../common/errors';
import type { FunctionRegistry } from '../runtime/core';
import type { ActivityQueue } from './activities';
import type { EngineAlerts } from './alerting';
import type { InstanceCache } from './cache';
import type { Clock } from './clock';
import type { CommitQueue } from './commitQueue';
import { executionStarted } from './executions';
import { EventType, event, type HistoryEvent } from './history';
import { planRewind } from './rewind';
import { type InstanceRow, newId, newInstanceRow, TERMINAL_STATUSES, type WorkRow } from './rows';
import type { EpisodeScheduler } from './scheduler';
import type { Store } from './store';

/** A client operation refused because of the instance's state (or its absence); never retryable as such. */
export class DurableError extends HostError {
  readonly retryable = false;

  constructor(
    readonly code: 'NOT_FOUND' | 'GONE' | 'CONFLICT' | 'BAD_REQUEST' | 'PRECONDITION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export interface ClientDeps {
  store: Store;
  clock: Clock;
  commits: CommitQueue;
  registry: FunctionRegistry;
  cache: InstanceCache;
  scheduler: EpisodeScheduler;
  activities: ActivityQueue;
  alerts: EngineAlerts;
}

export class ClientOperations {
  constructor(private readonly deps: ClientDeps) {}

  /** Starts an instance; `traceContext` (the caller's W3C trace context) parents its spans. */
  async start(
    name: string,
    instanceId: string | undefined,
    input: string | undefined,
    traceContext?: HistoryEvent['ParentTraceContext'],
  ): Promise<InstanceRow> {
    const { store, scheduler } = this.deps;
    const fn = this.deps.registry.get(name);
    if (fn?.trigger.type !== 'orchestrationTrigger') {
      throw new DurableError('NOT_FOUND', `No orchestrator function named '${name}' is registered`);
    }
    const id = instanceId ?? newId();
    const now = this.deps.clock.now();
    const row = newInstanceRow(fn.name, id, input, now);
    if (scheduler.isRunning(id)) throw conflict(id);
    let messageId = 0;
    const started = executionStarted(row, now, traceContext);
    await this.deps.commits.enqueue(
      () => {
        const existing = store.getInstance(id);
        if (existing && !TERMINAL_STATUSES.has(existing.status)) throw conflict(id);
        if (existing) store.purge(id);
        store.putInstance(row);
        messageId = store.addMessage(id, row.executionId, JSON.stringify(started));
      },
      () => {
        this.deps.cache.delete(id);
        scheduler.forget(id);
        this.deps.alerts.watchSla(id, now);
        scheduler.push(id, {
          source: 'message',
          rowId: messageId,
          executionId: row.executionId,
          event: started,
        });
      },
    );
    return row;
  }

  /** Raises an event; 404 for an unknown instance, 410 for one that has ended. */
  async raiseEvent(instanceId: string, name: string, dataJson: string | undefined): Promise<void> {
    this.requireLive(instanceId);
    await this.send(
      instanceId,
      event(EventType.EventRaised, this.deps.clock.now(), { Name: name, Input: dataJson }),
    );
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(
      instanceId,
      event(EventType.ExecutionTerminated, this.deps.clock.now(), { Input: JSON.stringify(reason) }),
    );
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(
      instanceId,
      event(EventType.ExecutionSuspended, this.deps.clock.now(), { Reason: reason }),
    );
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(instanceId, event(EventType.ExecutionResumed, this.deps.clock.now(), { Reason: reason }));
  }

  async purge(instanceId: string): Promise<boolean> {
    const row = this.deps.cache.row(instanceId);
    if (!row) return false;
    if (!TERMINAL_STATUSES.has(row.status)) {
      throw new DurableError(
        'PRECONDITION_FAILED',
        `Instance '${instanceId}' is ${row.status}; only ended instances can be purged`,
      );
    }
    let removed = false;
    await this.deps.commits.enqueue(
      () => {
        removed = this.deps.store.purge(instanceId);
      },
      () => {
        this.deps.cache.delete(instanceId);
        this.deps.scheduler.forget(instanceId);
      },
    );
    return removed;
  }

  /**
   * Rewinds a Failed instance: its failed activities and sub-orchestrations are marked rewound
   * (they stay open in the replayed history) and run again, and the instance resumes from there.
   */
  async rewind(instanceId: string, reason: string): Promise<void> {
    const { store, cache, scheduler } = this.deps;
    const row = cache.row(instanceId);
    if (!row) throw new DurableError('NOT_FOUND', `No instance with ID '${instanceId}' was found`);
    if (row.status !== 'Failed') {
      // The extension's 412 (410 before it rewound through DurableTask.Core) for any other status.
      throw new DurableError(
        'PRECONDITION_FAILED',
        `Instance '${instanceId}' is ${row.status}; only Failed instances can be rewound`,
      );
    }
    const now = this.deps.clock.now();
    const { rows, rerun, children } = planRewind(store.history(instanceId), reason);
    for (const child of children) {
      const childRow = cache.row(child);
      if (childRow?.status === 'Failed') await this.rewind(child, reason);
    }
    const workRows: WorkRow[] = [];
    let messageId = 0;
    const trigger = event(EventType.GenericEvent, now, { Data: `Rewind: ${reason}` });
    await this.deps.commits.enqueue(
      () => {
        store.clearHistory(instanceId);
        for (const r of rows) store.appendHistory(instanceId, r);
        store.putInstance({ ...row, status: 'Running', output: null, updatedAt: now });
        for (const w of rerun) {
          const id = store.addWork(instanceId, row.executionId, w.taskId, w.name, w.input);
          workRows.push({ id, instanceId, executionId: row.executionId, ...w });
        }
        if (rerun.length === 0 && children.length === 0) {
          messageId = store.addMessage(instanceId, null, JSON.stringify(trigger));
        }
      },
      () => {
        cache.delete(instanceId);
        this.deps.activities.add(workRows);
        if (messageId)
          scheduler.push(instanceId, {
            source: 'message',
            rowId: messageId,
            executionId: null,
            event: trigger,
          });
        scheduler.schedulePump();
      },
    );
  }

  private requireLive(instanceId: string): InstanceRow {
    const row = this.deps.cache.row(instanceId);
    if (!row) throw new DurableError('NOT_FOUND', `No instance with ID '${instanceId}' was found`);
    if (TERMINAL_STATUSES.has(row.status)) {
      throw new DurableError('GONE', `Instance '${instanceId}' has already ended (${row.status})`);
    }
    return row;
  }

  private async send(instanceId: string, ev: HistoryEvent): Promise<void> {
    let id = 0;
    await this.deps.commits.enqueue(
      () => {
        id = this.deps.store.addMessage(instanceId, null, JSON.stringify(ev));
      },
      () =>
        this.deps.scheduler.push(instanceId, { source: 'message', rowId: id, executionId: null, event: ev }),
    );
  }
}

function conflict(id: string): DurableError {
  return new DurableError('CONFLICT', `An instance with ID '${id}' already exists and is still running`);
}
