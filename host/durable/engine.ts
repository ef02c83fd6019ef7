/**
 * The durable engine: it owns the pending messages of every instance, runs orchestration
 * episodes (all of an instance's messages in one episode, never two episodes of one instance at
 * once), runs activities up to a concurrency limit, fires timers from the clock, and commits
 * through the group-commit queue. See host/README.md for how an episode flows.
 */
import { type Span, SpanKind } from '@opentelemetry/api';
import { type AlertSink, activityFailedAlert, type HostAlert, instanceSlaAlert } from '../alerts';
import type { Logger } from '../log';
import type { FunctionRegistry } from '../runtime/core';
import type { Invoker } from '../runtime/invoke';
import { activeTracer, contextFrom, endSpan, traceParentOf } from '../telemetry';
import type { Clock } from './clock';
import { CommitQueue } from './commitQueue';
import { runEpisode } from './episode';
import { executionStarted } from './executions';
import { EventType, event, type HistoryEvent } from './history';
import { InstanceState } from './instance';
import { type InvocationDeps, invokeActivity, invokeOrchestrator } from './invocations';
import type { EpisodeOutcome, EpisodeSettings, FinalFailure, PendingMessage } from './outcome';
import { planRewind } from './rewind';
import { SlaWatch } from './slaWatch';
import {
  type InstanceQuery,
  type InstanceRow,
  newId,
  newInstanceRow,
  type Store,
  TERMINAL_STATUSES,
  type WorkRow,
} from './store';

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
  timers: { maximumShortTimerMs: 6 * 86_400_000, longRunningTimerIntervalMs: 3 * 86_400_000 },
  alwaysReplay: false,
};

export class DurableError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'GONE' | 'CONFLICT' | 'BAD_REQUEST' | 'PRECONDITION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export class Engine {
  private readonly cache = new Map<string, InstanceState>();
  private readonly pending = new Map<string, PendingMessage[]>();
  /** Messages a suspended instance set aside; they run again only when something new arrives. */
  private readonly held = new Map<string, PendingMessage[]>();
  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  private readonly activityQueue: WorkRow[] = [];
  /** Activities queued or running, per instance (see {@link shouldWait}). */
  private readonly outstanding = new Map<string, number>();
  private activitiesInFlight = 0;
  private pumpScheduled = false;
  private timerWatermark = 0;
  private nextTimerAt: number | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly endWaiters = new Map<string, Array<() => void>>();
  private closed = false;
  /** Instance SLAs, when `instanceSlaMs` is set. */
  private readonly slas: SlaWatch | undefined;
  readonly commits: CommitQueue;
  private readonly invocationDeps: InvocationDeps;
  /** Where alerts go (activity failed after its last attempt, instance SLA); none: not raised. */
  alerts: AlertSink | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: FunctionRegistry,
    readonly invoker: Invoker,
    readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: EngineOptions,
  ) {
    this.slas = options.instanceSlaMs === undefined ? undefined : new SlaWatch(options.instanceSlaMs);
    // Work a commit released (activity results, new work) is picked up in the same turn.
    this.commits = new CommitQueue(store, () => {
      if (!this.closed) this.pump();
      this.settled();
    });
    this.invocationDeps = { registry, invoker, now: () => clock.now() };
  }

  /** Loads what was pending when the host last stopped and starts working on it. */
  recover(): void {
    for (const m of this.store.allMessages()) {
      this.push(m.instanceId, {
        source: 'message',
        rowId: m.id,
        executionId: m.executionId,
        event: JSON.parse(m.event) as HistoryEvent,
      });
    }
    if (this.slas) {
      for (const row of this.store.query({ runtimeStatus: ['Pending', 'Running', 'Suspended'] }))
        this.watchSla(row.instanceId, row.createdAt);
    }
    this.timerWatermark = Number.NEGATIVE_INFINITY;
    this.loadDueTimers();
    this.queueWork(this.store.allWork());
    this.schedulePump();
  }

  private queueWork(rows: WorkRow[]): void {
    for (const w of rows) {
      this.activityQueue.push(w);
      this.trackOutstanding(w.instanceId, 1);
    }
  }

  close(): void {
    this.closed = true;
    this.clock.close();
  }

  // ---- client operations -------------------------------------------------------------

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.cache.get(instanceId)?.row ?? this.store.getInstance(instanceId);
  }

  /** Starts an instance; `traceContext` (the caller's W3C trace context) parents its spans. */
  async start(
    name: string,
    instanceId: string | undefined,
    input: string | undefined,
    traceContext?: HistoryEvent['ParentTraceContext'],
  ): Promise<InstanceRow> {
    const fn = this.registry.get(name);
    if (fn?.trigger.type !== 'orchestrationTrigger') {
      throw new DurableError('NOT_FOUND', `No orchestrator function named '${name}' is registered`);
    }
    const id = instanceId ?? newId();
    const now = this.clock.now();
    const row = newInstanceRow(fn.name, id, input, now);
    if (this.running.has(id)) throw conflict(id);
    let messageId = 0;
    const started = executionStarted(row, now, traceContext);
    await this.commits.enqueue(
      () => {
        const existing = this.store.getInstance(id);
        if (existing && !TERMINAL_STATUSES.has(existing.status)) throw conflict(id);
        if (existing) this.store.purge(id);
        this.store.putInstance(row);
        messageId = this.store.addMessage(id, row.executionId, JSON.stringify(started));
      },
      () => {
        this.cache.delete(id);
        this.pending.delete(id);
        this.held.delete(id);
        this.watchSla(id, now);
        this.push(id, { source: 'message', rowId: messageId, executionId: row.executionId, event: started });
      },
    );
    return row;
  }

  /** Raises an event; 404 for an unknown instance, 410 for one that has ended. */
  async raiseEvent(instanceId: string, name: string, dataJson: string | undefined): Promise<void> {
    this.requireLive(instanceId);
    await this.send(
      instanceId,
      event(EventType.EventRaised, this.clock.now(), { Name: name, Input: dataJson }),
    );
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(
      instanceId,
      event(EventType.ExecutionTerminated, this.clock.now(), { Input: JSON.stringify(reason) }),
    );
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(instanceId, event(EventType.ExecutionSuspended, this.clock.now(), { Reason: reason }));
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    this.requireLive(instanceId);
    await this.send(instanceId, event(EventType.ExecutionResumed, this.clock.now(), { Reason: reason }));
  }

  async purge(instanceId: string): Promise<boolean> {
    const row = this.getInstance(instanceId);
    if (!row) return false;
    if (!TERMINAL_STATUSES.has(row.status)) {
      throw new DurableError(
        'PRECONDITION_FAILED',
        `Instance '${instanceId}' is ${row.status}; only ended instances can be purged`,
      );
    }
    let removed = false;
    await this.commits.enqueue(
      () => {
        removed = this.store.purge(instanceId);
      },
      () => {
        this.cache.delete(instanceId);
        this.pending.delete(instanceId);
        this.held.delete(instanceId);
      },
    );
    return removed;
  }

  query(q: InstanceQuery): InstanceRow[] {
    return this.store.query(q);
  }

  /**
   * Rewinds a Failed instance: its failed activities and sub-orchestrations are marked rewound
   * (they stay open in the replayed history) and run again, and the instance resumes from there.
   */
  async rewind(instanceId: string, reason: string): Promise<void> {
    const row = this.getInstance(instanceId);
    if (!row) throw new DurableError('NOT_FOUND', `No instance with ID '${instanceId}' was found`);
    if (row.status !== 'Failed') {
      if (TERMINAL_STATUSES.has(row.status)) {
        throw new DurableError(
          'GONE',
          `Instance '${instanceId}' is ${row.status}; only Failed instances can be rewound`,
        );
      }
      throw new DurableError(
        'PRECONDITION_FAILED',
        `Instance '${instanceId}' is ${row.status}; only Failed instances can be rewound`,
      );
    }
    const now = this.clock.now();
    const { rows, rerun, children } = planRewind(this.store.history(instanceId), reason);
    for (const child of children) {
      const childRow = this.getInstance(child);
      if (childRow?.status === 'Failed') await this.rewind(child, reason);
    }
    const workRows: WorkRow[] = [];
    let messageId = 0;
    const trigger = event(EventType.GenericEvent, now, { Data: `Rewind: ${reason}` });
    await this.commits.enqueue(
      () => {
        this.store.clearHistory(instanceId);
        for (const r of rows) this.store.appendHistory(instanceId, r);
        this.store.putInstance({ ...row, status: 'Running', output: null, updatedAt: now });
        for (const w of rerun) {
          const id = this.store.addWork(instanceId, row.executionId, w.taskId, w.name, w.input);
          workRows.push({ id, instanceId, executionId: row.executionId, ...w });
        }
        if (rerun.length === 0 && children.length === 0) {
          messageId = this.store.addMessage(instanceId, null, JSON.stringify(trigger));
        }
      },
      () => {
        this.cache.delete(instanceId);
        this.queueWork(workRows);
        if (messageId)
          this.push(instanceId, { source: 'message', rowId: messageId, executionId: null, event: trigger });
        this.schedulePump();
      },
    );
  }

  /** The history as replayed, for the status API. */
  history(instanceId: string): HistoryEvent[] {
    const cached = this.cache.get(instanceId);
    const rows = cached ? cached.history : this.store.history(instanceId).map((r) => r.event);
    return rows.map((h) => JSON.parse(h) as HistoryEvent);
  }

  /**
   * Resolves true when the instance has ended (Completed, Failed, Terminated), at once if it has,
   * or false when `timeoutMs` passes first (real time: a client is waiting).
   */
  whenEnded(instanceId: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const list = this.endWaiters.get(instanceId) ?? [];
      const timer = setTimeout(() => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0 && this.endWaiters.get(instanceId) === list) this.endWaiters.delete(instanceId);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      list.push(done);
      this.endWaiters.set(instanceId, list);
      const row = this.getInstance(instanceId);
      if (!row || TERMINAL_STATUSES.has(row.status)) this.ended(instanceId);
    });
  }

  private ended(instanceId: string): void {
    const list = this.endWaiters.get(instanceId);
    if (!list) return;
    this.endWaiters.delete(instanceId);
    for (const resolve of list) resolve();
  }

  /** Resolves when no work is pending or running and no timer is due. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Tells the engine the clock moved (virtual clock), so due timers are loaded. */
  clockMoved(): void {
    this.loadDueTimers();
    this.checkSlas();
    this.settled();
  }

  private requireLive(instanceId: string): InstanceRow {
    const row = this.getInstance(instanceId);
    if (!row) throw new DurableError('NOT_FOUND', `No instance with ID '${instanceId}' was found`);
    if (TERMINAL_STATUSES.has(row.status)) {
      throw new DurableError('GONE', `Instance '${instanceId}' has already ended (${row.status})`);
    }
    return row;
  }

  private async send(instanceId: string, ev: HistoryEvent): Promise<void> {
    let id = 0;
    await this.commits.enqueue(
      () => {
        id = this.store.addMessage(instanceId, null, JSON.stringify(ev));
      },
      () => this.push(instanceId, { source: 'message', rowId: id, executionId: null, event: ev }),
    );
  }

  // ---- scheduling ---------------------------------------------------------------------

  private push(instanceId: string, message: PendingMessage): void {
    let list = this.pending.get(instanceId);
    if (!list) {
      list = [];
      this.pending.set(instanceId, list);
    }
    const held = this.held.get(instanceId);
    if (held) {
      this.held.delete(instanceId);
      list.unshift(...held);
    }
    list.push(message);
    if (!this.running.has(instanceId)) this.ready.add(instanceId);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    for (const id of this.ready) {
      if (this.running.size >= this.options.maxConcurrentOrchestrations) break;
      this.ready.delete(id);
      if (this.running.has(id)) continue;
      const messages = this.pending.get(id);
      if (!messages || messages.length === 0) continue;
      if (this.shouldWait(id, messages)) continue;
      this.pending.delete(id);
      this.running.add(id);
      void this.episode(id, messages);
    }
    this.pumpActivities();
    // An episode's commit settles before the episode leaves `running`; this pump is the first
    // point where the engine can be idle again, so idle waiters (clock.advance) are told here.
    this.settled();
  }

  /**
   * A fan-out's results are folded in batches: while an instance still has activities out and
   * only activity results are pending, its episode waits until the batch is worth a replay of
   * its history (1 result per 16 history events). The last result always runs it, so the total
   * replay work grows linearly with the fan-out instead of quadratically.
   */
  private shouldWait(instanceId: string, messages: PendingMessage[]): boolean {
    if ((this.outstanding.get(instanceId) ?? 0) === 0) return false;
    const historyLength = this.cache.get(instanceId)?.history.length ?? 0;
    if (messages.length * 16 >= historyLength) return false;
    return messages.every((m) => m.event.EventType === EventType.TaskCompleted);
  }

  private trackOutstanding(instanceId: string, delta: number): void {
    const n = (this.outstanding.get(instanceId) ?? 0) + delta;
    if (n <= 0) this.outstanding.delete(instanceId);
    else this.outstanding.set(instanceId, n);
  }

  private loadState(instanceId: string): InstanceState | undefined {
    const cached = this.cache.get(instanceId);
    if (cached && !this.options.alwaysReplay) {
      this.cache.delete(instanceId);
      this.cache.set(instanceId, cached);
      return cached;
    }
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    const state = InstanceState.load(row, this.store.history(instanceId), this.store.timersOf(instanceId));
    this.cache.set(instanceId, state);
    if (this.cache.size > this.options.cacheSize) {
      for (const key of this.cache.keys()) {
        if (this.cache.size <= this.options.cacheSize) break;
        if (!this.running.has(key) && key !== instanceId) this.cache.delete(key);
      }
    }
    return state;
  }

  private async episode(instanceId: string, messages: PendingMessage[]): Promise<void> {
    let outcome: EpisodeOutcome | undefined;
    const state = this.loadState(instanceId);
    let span: Span | undefined;
    try {
      if (!state) {
        // Messages for an instance that was purged: drop them.
        await this.commits.enqueue(() => {
          for (const m of messages) this.deleteSource(m);
        });
        return;
      }
      const traceContext =
        state.traceContext ??
        messages.find((m) => m.event.EventType === EventType.ExecutionStarted)?.event.ParentTraceContext;
      span = activeTracer()?.startSpan(
        `orchestration ${state.row.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'durable.instance.id': instanceId,
            'durable.execution.id': state.row.executionId,
            'durable.replay.length': state.history.length,
            'durable.messages': messages.length,
          },
        },
        contextFrom(traceContext),
      );
      const traceParent = span ? traceParentOf(span) : traceContext?.TraceParent;
      outcome = await runEpisode(state, messages, this.clock.now(), this.options.timers, (payload) =>
        invokeOrchestrator(this.invocationDeps, state.row, payload, traceParent, span),
      );
      await this.commit(state, outcome);
      if (span) endSpan(span, outcome.row.status);
      if (outcome.finalFailures.length > 0) this.activitiesFailed(outcome.row, outcome.finalFailures);
    } catch (error) {
      if (span) endSpan(span, 'host-error', error);
      this.logger.error(
        { instanceId, err: error },
        'orchestration episode failed in the host; instance marked Failed',
      );
      this.cache.delete(instanceId);
      await this.failInstance(instanceId, messages, error).catch((err: unknown) =>
        this.logger.fatal({ instanceId, err }, 'could not record the failure of an instance'),
      );
    } finally {
      this.running.delete(instanceId);
      if (this.pending.get(instanceId)?.length) this.ready.add(instanceId);
      this.schedulePump();
    }
  }

  private async failInstance(instanceId: string, messages: PendingMessage[], error: unknown): Promise<void> {
    const row = this.store.getInstance(instanceId);
    await this.commits.enqueue(() => {
      for (const m of messages) this.deleteSource(m);
      if (row && !TERMINAL_STATUSES.has(row.status)) {
        const message = error instanceof Error ? error.message : String(error);
        this.store.putInstance({
          ...row,
          status: 'Failed',
          output: JSON.stringify(`The host could not run orchestrator '${row.name}': ${message}`),
          updatedAt: this.clock.now(),
        });
        this.store.dropPendingWork(instanceId);
      }
    });
    this.ended(instanceId);
  }

  private deleteSource(m: PendingMessage): void {
    if (m.source === 'message') this.store.deleteMessage(m.rowId);
    else this.store.deleteTimer(m.rowId);
  }

  private commit(state: InstanceState, outcome: EpisodeOutcome): Promise<void> {
    const instanceId = state.row.instanceId;
    const baseSeq = outcome.resetHistory ? 0 : state.history.length;
    const stored = outcome.history.map((h) => JSON.stringify({ ...h.event, IsPlayed: true }));
    const timerIds: number[] = [];
    const workRows: WorkRow[] = [];
    const delivered: Array<{ instanceId: string; message: PendingMessage }> = [];
    const restarted: string[] = [];
    // An instance's end is visible to clients: it is fsynced. Other episodes are internal steps.
    const durable = TERMINAL_STATUSES.has(outcome.row.status);
    return this.commits.enqueue(
      () => {
        for (const m of outcome.consumed) this.deleteSource(m);
        for (const t of outcome.cancelTimers) this.store.deleteTimer(t);
        if (outcome.ended) this.store.dropPendingWork(instanceId);
        if (outcome.resetHistory) this.store.clearHistory(instanceId);
        outcome.history.forEach((h, i) => {
          this.store.appendHistory(instanceId, {
            seq: baseSeq + i,
            actionIx: h.actionIx,
            meta: h.meta ? JSON.stringify(h.meta) : null,
            event: stored[i] as string,
          });
        });
        this.store.putInstance(outcome.row);
        for (const t of outcome.timers) {
          timerIds.push(
            this.store.addTimer(instanceId, outcome.row.executionId, t.fireAt, JSON.stringify(t.event)),
          );
        }
        for (const w of outcome.work) {
          const id = this.store.addWork(instanceId, outcome.row.executionId, w.taskId, w.name, w.input);
          workRows.push({ id, instanceId, executionId: outcome.row.executionId, ...w });
        }
        for (const child of outcome.children) {
          const existing = this.store.getInstance(child.instanceId);
          let ev: HistoryEvent;
          let target = child.instanceId;
          let executionId: string | null = child.executionId;
          if (existing && !TERMINAL_STATUSES.has(existing.status)) {
            ev = event(EventType.SubOrchestrationInstanceFailed, child.createdAt, {
              TaskScheduledId: child.parent?.taskId,
              Reason: `An instance with ID '${child.instanceId}' is already running`,
              FailureDetails: {
                ErrorType: 'InvalidOperationException',
                ErrorMessage: `An instance with ID '${child.instanceId}' is already running`,
              },
            });
            target = instanceId;
            executionId = outcome.row.executionId;
          } else {
            if (existing) {
              // A retried sub-orchestration reuses its instance id: forget the ended execution.
              this.store.purge(child.instanceId);
              restarted.push(child.instanceId);
            }
            this.store.putInstance(child);
            ev = executionStarted(child, child.createdAt, state.traceContext);
          }
          const id = this.store.addMessage(target, executionId, JSON.stringify(ev));
          delivered.push({
            instanceId: target,
            message: { source: 'message', rowId: id, executionId, event: ev },
          });
        }
        for (const m of outcome.messages) {
          const id = this.store.addMessage(m.instanceId, m.executionId, JSON.stringify(m.event));
          delivered.push({
            instanceId: m.instanceId,
            message: { source: 'message', rowId: id, executionId: m.executionId, event: m.event },
          });
        }
      },
      () => {
        if (outcome.resetHistory) {
          const fresh = new InstanceState(outcome.row);
          this.cache.set(instanceId, fresh);
        } else {
          state.row = outcome.row;
          outcome.history.forEach((h, i) => {
            state.apply(h.event, h.actionIx, h.meta);
            state.history.push(stored[i] as string);
          });
          for (const t of outcome.cancelTimers) {
            for (const [seq, rowId] of state.timerRows) {
              if (rowId === t) {
                state.timerRows.delete(seq);
                const entry = state.entryFor(seq);
                if (entry) entry.done = true;
              }
            }
          }
        }
        if (outcome.ended) {
          for (let i = this.activityQueue.length - 1; i >= 0; i--) {
            if (this.activityQueue[i]?.instanceId === instanceId) {
              this.activityQueue.splice(i, 1);
              this.trackOutstanding(instanceId, -1);
            }
          }
        }
        if (outcome.held.length > 0) {
          // Held messages alone must not make the instance ready again (that would spin while
          // it is suspended); they go back in line ahead of whatever arrives next.
          const list = this.pending.get(instanceId);
          if (list?.length) this.pending.set(instanceId, [...outcome.held, ...list]);
          else this.held.set(instanceId, outcome.held);
        }
        outcome.timers.forEach((t, i) => {
          const rowId = timerIds[i] as number;
          if (t.event.TimerId !== undefined && !outcome.resetHistory)
            state.timerRows.set(t.event.TimerId, rowId);
          this.timerAdded(instanceId, outcome.row.executionId, rowId, t.fireAt, t.event);
        });
        this.queueWork(workRows);
        for (const child of restarted) this.cache.delete(child);
        for (const child of outcome.children) this.watchSla(child.instanceId, child.createdAt);
        for (const d of delivered) this.push(d.instanceId, d.message);
        if (durable) this.ended(instanceId);
      },
      { durable },
    );
  }

  // ---- timers -------------------------------------------------------------------------

  private timerAdded(
    instanceId: string,
    executionId: string,
    rowId: number,
    fireAt: number,
    ev: HistoryEvent,
  ): void {
    if (fireAt <= this.timerWatermark) {
      this.push(instanceId, { source: 'timer', rowId, executionId, event: ev });
      return;
    }
    if (this.nextTimerAt === undefined || fireAt < this.nextTimerAt) {
      this.nextTimerAt = fireAt;
      this.scheduleWake();
    }
  }

  private loadDueTimers(): void {
    const now = this.clock.now();
    for (const t of this.store.dueTimers(this.timerWatermark, now)) {
      this.push(t.instanceId, {
        source: 'timer',
        rowId: t.id,
        executionId: t.executionId,
        event: JSON.parse(t.event) as HistoryEvent,
      });
    }
    this.timerWatermark = now;
    this.nextTimerAt = this.store.nextTimerAfter(now);
    this.scheduleWake();
  }

  /** When the next durable timer is due, if any. */
  get nextTimer(): number | undefined {
    return this.nextTimerAt;
  }

  // ---- activities ---------------------------------------------------------------------

  private pumpActivities(): void {
    while (this.activitiesInFlight < this.options.maxConcurrentActivities && this.activityQueue.length > 0) {
      const work = this.activityQueue.shift() as WorkRow;
      this.activitiesInFlight++;
      void this.runActivity(work).finally(() => {
        this.activitiesInFlight--;
        this.pumpActivities();
        this.settled();
      });
    }
  }

  private async runActivity(work: WorkRow): Promise<void> {
    const ev = await invokeActivity(this.invocationDeps, work, this.traceContextOf(work.instanceId));
    let id = 0;
    await this.commits.enqueue(
      () => {
        this.store.deleteWork(work.id);
        id = this.store.addMessage(work.instanceId, work.executionId, JSON.stringify(ev));
      },
      () => {
        this.trackOutstanding(work.instanceId, -1);
        this.push(work.instanceId, {
          source: 'message',
          rowId: id,
          executionId: work.executionId,
          event: ev,
        });
      },
      // An activity's result is an internal step: the work row stays until it commits.
      { durable: false },
    );
  }

  /** The trace context an instance's execution was started with (from memory, else its history). */
  private traceContextOf(instanceId: string): HistoryEvent['ParentTraceContext'] {
    const cached = this.cache.get(instanceId);
    if (cached) return cached.traceContext;
    for (const json of this.store.historyHead(instanceId)) {
      const ev = JSON.parse(json) as HistoryEvent;
      if (ev.EventType === EventType.ExecutionStarted) return ev.ParentTraceContext;
    }
    return undefined;
  }

  // ---- alerts -------------------------------------------------------------------------

  private activitiesFailed(row: InstanceRow, failures: FinalFailure[]): void {
    const now = this.clock.now();
    for (const f of failures) this.raise(activityFailedAlert(row, f, now));
  }

  private raise(alert: HostAlert): void {
    try {
      this.alerts?.emit(alert);
    } catch (err) {
      this.logger.error(
        { err, alert: alert.alert, instanceId: alert.instanceId },
        'could not raise an alert',
      );
    }
  }

  private watchSla(instanceId: string, createdAt: number): void {
    if (!this.slas) return;
    this.slas.watch(instanceId, createdAt);
    this.scheduleWake();
  }

  /** Raises `instance-sla` for every instance that is past its SLA and still not ended. */
  private checkSlas(): void {
    if (!this.slas) return;
    const now = this.clock.now();
    for (const due of this.slas.takeDue(now)) {
      const row = this.getInstance(due.instanceId);
      // Ended, or a new instance with the same id (watched on its own).
      if (!row || TERMINAL_STATUSES.has(row.status) || row.createdAt + this.slas.slaMs !== due.dueAt)
        continue;
      this.raise(instanceSlaAlert(row, this.slas.slaMs, now));
    }
    this.scheduleWake();
  }

  /** Asks the clock to wake the engine at the next durable timer or SLA, whichever comes first. */
  private scheduleWake(): void {
    const sla = this.slas?.next;
    const timer = this.nextTimerAt;
    const at = sla === undefined ? timer : timer === undefined ? sla : Math.min(sla, timer);
    this.clock.wakeAt(at, () => this.clockMoved());
  }

  // ---- idleness -----------------------------------------------------------------------

  private isIdle(): boolean {
    return (
      this.ready.size === 0 &&
      this.running.size === 0 &&
      this.activityQueue.length === 0 &&
      this.activitiesInFlight === 0 &&
      this.commits.idle &&
      !this.pumpScheduled &&
      (this.nextTimerAt === undefined || this.nextTimerAt > this.clock.now())
    );
  }

  private settled(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.onIdle?.();
  }

  /** Called whenever the engine runs out of work (the virtual clock's auto-skip uses it). */
  onIdle: (() => void) | undefined;
}

function conflict(id: string): DurableError {
  return new DurableError('CONFLICT', `An instance with ID '${id}' already exists and is still running`);
}
