/**
 * What the host knows about one orchestration instance between episodes: its status row, its
 * history (as the JSON it replays), and the ledger that maps the orchestrator's actions, in the
 * order it issued them, to the DTFx sequence numbers they were given.
 */
import { HTTP_ACTIVITY, pollAfter } from './durableHttp';
import { EventType, type HistoryEvent } from './history';
import type { HistoryRow, InstanceRow } from './rows';

/** The retry policy of `callActivityWithRetry` / `callSubOrchestratorWithRetry`, as the SDK sends it. */
export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export type ActionKind =
  | 'activity'
  | 'timer'
  | 'subOrchestration'
  | 'http'
  | 'entityCall'
  | 'entitySignal'
  | 'lock'
  | 'release';

/** The `Task.all` an orchestrator is blocked on: its ledger entries `[from, to)` (batching.ts). */
export interface BlockedOn {
  from: number;
  to: number;
}

export interface ActionMeta {
  retry?: RetryPolicy;
  /** For timers: the time the orchestrator asked for (long timers fire in several steps). */
  fireAt?: number;
  /** On an episode's OrchestratorCompleted: the `Task.all` the orchestrator is blocked on. */
  blocked?: BlockedOn;
  /** On a durable HTTP call's poll timer: the sequence number its next request will have. */
  pollId?: number;
  /** ...and the `Location` it will GET. */
  pollUri?: string;
  /** Entity actions (entityActions.ts): which kind, and its target (or lock set) as compared on replay. */
  entity?: 'entityCall' | 'entitySignal' | 'lock' | 'release';
  target?: string;
  /** A lock request: the entities (`@name@key`) and the request's id, released when the instance ends. */
  lockSet?: string[];
  requestId?: string;
}

export interface LedgerEntry {
  kind: ActionKind;
  name: string;
  meta: ActionMeta;
  attempts: number;
  /** The sequence number whose completion is awaited, if any. */
  openId: number | undefined;
  done: boolean;
  /**
   * Input JSON, kept for actions with a retry policy, whose attempts the host schedules, and
   * for durable HTTP calls (the first request), whose polls it schedules.
   */
  input?: string;
  /** Durable HTTP: the sequence number reserved for the next request of a polled call, and its URI. */
  pollId?: number;
  pollUri?: string;
  /** Sub-orchestrations: the child instance id. */
  childId?: string;
}

export class InstanceState {
  history: string[] = [];
  ledger: LedgerEntry[] = [];
  readonly idToAction = new Map<number, number>();
  nextSeq = 0;
  /** EventRaised events in this execution, per name. */
  readonly raised = new Map<string, number>();
  /** Timers table rows for open timers, by sequence number. */
  readonly timerRows = new Map<number, number>();
  /** The trace context the execution was started with, if any. */
  traceContext: HistoryEvent['ParentTraceContext'];
  /** The `Task.all` of activities the orchestrator is blocked on since its last episode, if known. */
  blocked: BlockedOn | undefined;

  constructor(public row: InstanceRow) {}

  static load(
    row: InstanceRow,
    rows: HistoryRow[],
    timers: Array<{ id: number; event: string }>,
  ): InstanceState {
    const state = new InstanceState(row);
    for (const r of rows) {
      state.apply(
        JSON.parse(r.event) as HistoryEvent,
        r.actionIx,
        r.meta ? (JSON.parse(r.meta) as ActionMeta) : undefined,
      );
      state.history.push(r.event);
    }
    for (const t of timers) {
      const ev = JSON.parse(t.event) as HistoryEvent;
      if (ev.EventType === EventType.TimerFired && ev.TimerId !== undefined)
        state.timerRows.set(ev.TimerId, t.id);
    }
    return state;
  }

  entryFor(id: number | undefined): LedgerEntry | undefined {
    if (id === undefined) return undefined;
    const ix = this.idToAction.get(id);
    return ix === undefined ? undefined : this.ledger[ix];
  }

  /** Updates the derived state for one event appended to the history. */
  apply(ev: HistoryEvent, actionIx: number | null, meta: ActionMeta | undefined): void {
    switch (ev.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
      case EventType.TimerCreated: {
        if (actionIx === null) return;
        const kind: ActionKind =
          ev.EventType === EventType.TaskScheduled
            ? ev.Name === HTTP_ACTIVITY
              ? 'http'
              : 'activity'
            : ev.EventType === EventType.TimerCreated
              ? 'timer'
              : 'subOrchestration';
        let entry = this.ledger[actionIx];
        if (!entry) {
          entry = {
            kind,
            name: ev.Name ?? '',
            meta: meta ?? {},
            attempts: 0,
            openId: undefined,
            done: false,
          };
          this.ledger[actionIx] = entry;
        }
        if (kind !== 'timer' && entry.meta.retry && ev.Input !== undefined) entry.input = ev.Input;
        if (entry.kind === 'http' && entry.input === undefined) entry.input = ev.Input;
        if (ev.InstanceId) entry.childId = ev.InstanceId;
        entry.openId = ev.EventId;
        if (kind !== 'timer') entry.attempts++;
        this.idToAction.set(ev.EventId, actionIx);
        this.nextSeq = Math.max(this.nextSeq, ev.EventId + 1);
        if (meta?.pollId !== undefined && kind === 'timer') {
          entry.pollId = meta.pollId;
          entry.pollUri = meta.pollUri;
          this.nextSeq = Math.max(this.nextSeq, meta.pollId + 1);
        }
        return;
      }
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const entry = this.entryFor(ev.TaskScheduledId);
        if (!entry) return;
        entry.openId = undefined;
        const failed =
          ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed;
        // A durable HTTP call answered 202 goes on polling.
        const polled = entry.kind === 'http' && !failed && pollAfter(entry.input, ev.Result, 0) !== undefined;
        if ((!failed || !entry.meta.retry) && !polled) entry.done = true;
        return;
      }
      case EventType.TimerFired: {
        const entry = this.entryFor(ev.TimerId);
        if (ev.TimerId !== undefined) this.timerRows.delete(ev.TimerId);
        if (!entry) return;
        entry.openId = undefined;
        if (entry.kind === 'timer' && Date.parse(ev.FireAt ?? ev.Timestamp) >= (entry.meta.fireAt ?? 0))
          entry.done = true;
        return;
      }
      case EventType.EventSent: {
        // An entity action (a release takes one number per entity, all on one ledger entry).
        if (actionIx === null) return;
        if (!this.ledger[actionIx]) {
          const kind = meta?.entity ?? 'entitySignal';
          this.ledger[actionIx] = {
            kind,
            name: meta?.target ?? ev.InstanceId ?? '',
            meta: meta ?? {},
            attempts: 1,
            openId: undefined,
            done: kind === 'entitySignal' || kind === 'release',
          };
        }
        this.idToAction.set(ev.EventId, actionIx);
        this.nextSeq = Math.max(this.nextSeq, ev.EventId + 1);
        return;
      }
      case EventType.ExecutionStarted:
        this.traceContext = ev.ParentTraceContext;
        return;
      case EventType.OrchestratorStarted:
        this.blocked = undefined;
        return;
      case EventType.OrchestratorCompleted:
        this.blocked = meta?.blocked;
        return;
      case EventType.EventRaised: {
        const name = ev.Name ?? '';
        this.raised.set(name, (this.raised.get(name) ?? 0) + 1);
        return;
      }
      default:
        return;
    }
  }
}
