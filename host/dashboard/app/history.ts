/**
 * Reading an instance's history (as the status API shows it) into what an operator needs:
 * timeline rows (activities with their retry attempts, sub-orchestrations, timers, waits for
 * events, suspensions), what is still open, and what failed. Pure functions, no DOM.
 *
 * The status API merges each completion with its schedule (`ScheduledTime` + `FunctionName` on
 * the TaskCompleted/TaskFailed event) and leaves unfinished work as TaskScheduled /
 * SubOrchestrationInstanceCreated; TimerFired carries no timer id, so timers are matched by
 * `FireAt`. Entity calls, signals and lock requests are `EventSent` with the request as input;
 * the answer to a call or a lock is the `EventRaised` named by the request's id.
 */
import type { FailureDetails, HistoryItem } from './api.js';

export type RowKind = 'activity' | 'suborchestration' | 'timer' | 'wait' | 'suspended' | 'entity';

export interface Attempt {
  start: number;
  /** Undefined while it runs. */
  end?: number;
  failed: boolean;
  message?: string;
}

export interface TimelineRow {
  kind: RowKind;
  label: string;
  attempts: Attempt[];
  /** Retry delays between attempts (DTFx retry timers). */
  retryDelays: Array<{ start: number; end?: number; fireAt: number }>;
  /** Timers: when it is due. */
  fireAt?: number;
  /** Timers that never fired although due: cancelled by the orchestrator (or not yet delivered). */
  stale?: boolean;
  /** Timers due while the instance is suspended: delivered when it resumes. */
  held?: boolean;
  /** Sub-orchestrations: the child's id when the history shows it. */
  instanceId?: string;
  /** Index of the history item that opened the row. */
  index: number;
}

export const rowStart = (r: TimelineRow): number => r.attempts[0]?.start ?? Number.NaN;
/** End of the last attempt, undefined while open. */
export const rowEnd = (r: TimelineRow): number | undefined => {
  const last = r.attempts[r.attempts.length - 1];
  return last?.end;
};
export const rowFailed = (r: TimelineRow): boolean => r.attempts[r.attempts.length - 1]?.failed ?? false;

const t = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

interface EntityRequest {
  id?: string;
  op?: string;
  signal?: boolean;
  lockset?: Array<{ name: string; key: string }>;
}

function jsonOf<T>(value: unknown): T | undefined {
  if (typeof value !== 'string') return (value ?? undefined) as T | undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

export function failureMessage(ev: HistoryItem): string {
  return ev.FailureDetails?.ErrorMessage ?? ev.Reason ?? 'failed';
}

/** Timeline rows in the order things started. */
export function timeline(history: HistoryItem[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  // Activities (by name) whose last attempt failed: the next attempt of that name is a retry.
  const retrying = new Map<string, TimelineRow>();
  // Timers not yet fired, in creation order (both timer rows and retry delays).
  const pendingTimers: Array<{
    fireAt: number;
    row: TimelineRow;
    delay?: TimelineRow['retryDelays'][number];
  }> = [];
  let suspended: TimelineRow | undefined;
  // Entity calls and lock requests waiting for their answer, by request id.
  const entityCalls = new Map<string, TimelineRow>();

  const activityRow = (name: string, kind: RowKind, start: number, index: number): TimelineRow => {
    const key = `${kind}:${name}`;
    const prior = retrying.get(key);
    retrying.delete(key);
    const lastEnd = prior ? rowEnd(prior) : undefined;
    if (prior && lastEnd !== undefined && lastEnd <= start) return prior;
    const row: TimelineRow = { kind, label: name, attempts: [], retryDelays: [], index };
    rows.push(row);
    return row;
  };

  history.forEach((ev, index) => {
    const at = t(ev.Timestamp);
    switch (ev.EventType) {
      case 'TaskScheduled':
      case 'SubOrchestrationInstanceCreated': {
        const kind = ev.EventType === 'TaskScheduled' ? 'activity' : 'suborchestration';
        const row = activityRow(String(ev.Name ?? '?'), kind, at, index);
        row.attempts.push({ start: at, failed: false });
        if (ev.InstanceId) row.instanceId = ev.InstanceId;
        break;
      }
      case 'TaskCompleted':
      case 'TaskFailed':
      case 'SubOrchestrationInstanceCompleted':
      case 'SubOrchestrationInstanceFailed': {
        const kind = ev.EventType.startsWith('Task') ? 'activity' : 'suborchestration';
        const failed = ev.EventType.endsWith('Failed');
        const name = String(ev.FunctionName ?? ev.Name ?? '?');
        const start = ev.ScheduledTime ? t(ev.ScheduledTime) : at;
        const row = activityRow(name, kind, start, index);
        row.attempts.push({ start, end: at, failed, message: failed ? failureMessage(ev) : undefined });
        if (ev.InstanceId) row.instanceId = ev.InstanceId;
        if (failed) retrying.set(`${kind}:${name}`, row);
        break;
      }
      case 'TimerCreated': {
        const fireAt = t(ev.FireAt);
        const prev = history[index - 1];
        // DTFx writes a retry timer right after the failure, in the same episode.
        const failedRow =
          prev && (prev.EventType === 'TaskFailed' || prev.EventType === 'SubOrchestrationInstanceFailed')
            ? [...retrying.values()].find((r) => r.attempts[r.attempts.length - 1]?.end === t(prev.Timestamp))
            : undefined;
        if (failedRow && prev?.Timestamp === ev.Timestamp) {
          const delay = { start: at, fireAt };
          failedRow.retryDelays.push(delay);
          pendingTimers.push({ fireAt, row: failedRow, delay });
        } else {
          const row: TimelineRow = {
            kind: 'timer',
            label: 'timer',
            attempts: [{ start: at, failed: false }],
            retryDelays: [],
            fireAt,
            index,
          };
          rows.push(row);
          pendingTimers.push({ fireAt, row });
        }
        break;
      }
      case 'TimerFired': {
        const fireAt = t(ev.FireAt);
        const i = pendingTimers.findIndex((p) => p.fireAt === fireAt);
        const pending = i >= 0 ? pendingTimers.splice(i, 1)[0] : undefined;
        if (pending?.delay) pending.delay.end = at;
        else if (pending) (pending.row.attempts[0] as Attempt).end = at;
        break;
      }
      case 'EventSent': {
        if (ev.Name === 'release') break;
        const request = jsonOf<EntityRequest>(ev.Input);
        const target = String(ev.InstanceId ?? '?');
        const label = request?.lockset
          ? `lock ${request.lockset.map((e) => `@${e.name.toLowerCase()}@${e.key}`).join(', ')}`
          : `${request?.signal ? 'signal ' : ''}${target} ${request?.op ?? ''}`.trim();
        const row: TimelineRow = {
          kind: 'entity',
          label,
          attempts: [{ start: at, end: request?.signal ? at : undefined, failed: false }],
          retryDelays: [],
          index,
        };
        rows.push(row);
        if (!request?.signal && request?.id) entityCalls.set(request.id, row);
        break;
      }
      case 'EventRaised': {
        const call = entityCalls.get(String(ev.Name));
        if (call) {
          entityCalls.delete(String(ev.Name));
          const answer = jsonOf<{ result?: string; exceptionType?: string }>(ev.Input);
          const attempt = call.attempts[0] as Attempt;
          attempt.end = at;
          if (answer?.exceptionType) {
            attempt.failed = true;
            attempt.message = `${answer.exceptionType}: ${answer.result ?? ''}`;
          }
          break;
        }
        const prev = history[index - 1];
        const start = prev ? t(prev.Timestamp) : at;
        rows.push({
          kind: 'wait',
          label: `event "${ev.Name ?? '?'}"`,
          attempts: [{ start, end: at, failed: false }],
          retryDelays: [],
          index,
        });
        break;
      }
      case 'ExecutionSuspended':
        suspended = {
          kind: 'suspended',
          label: 'suspended',
          attempts: [{ start: at, failed: false }],
          retryDelays: [],
          index,
        };
        rows.push(suspended);
        break;
      case 'ExecutionResumed':
        if (suspended) (suspended.attempts[0] as Attempt).end = at;
        suspended = undefined;
        break;
      default:
        break;
    }
  });
  return rows.sort((a, b) => rowStart(a) - rowStart(b) || a.index - b.index);
}

/**
 * Timer rows that never fired: open while due in the future; held when due while the instance
 * is suspended; stale otherwise (the orchestrator cancelled it, or the instance ended).
 */
export function markTimers(rows: TimelineRow[], now: number, runtimeStatus: string): void {
  const open = runtimeStatus === 'Running' || runtimeStatus === 'Pending' || runtimeStatus === 'Suspended';
  for (const r of rows) {
    if (r.kind !== 'timer' || rowEnd(r) !== undefined) continue;
    const due = (r.fireAt ?? 0) <= now;
    r.held = due && runtimeStatus === 'Suspended';
    r.stale = !open || (due && !r.held);
  }
}

export interface OpenItem {
  kind: RowKind;
  label: string;
  since: number;
  /** Timers: when due. */
  until?: number;
  instanceId?: string;
  retry?: boolean;
}

/** What the instance has started and not yet seen finish, per the history. */
export function openItems(rows: TimelineRow[], now: number): OpenItem[] {
  const items: OpenItem[] = [];
  for (const r of rows) {
    const last = r.attempts[r.attempts.length - 1];
    const openDelay = r.retryDelays.find((d) => d.end === undefined && d.fireAt > now);
    if (openDelay && last?.end !== undefined) {
      items.push({
        kind: r.kind,
        label: r.label,
        since: openDelay.start,
        until: openDelay.fireAt,
        retry: true,
      });
      continue;
    }
    if (!last || last.end !== undefined || r.stale) continue;
    if (r.kind === 'timer' && (r.fireAt ?? 0) <= now) continue;
    items.push({
      kind: r.kind,
      label: r.label,
      since: last.start,
      until: r.fireAt,
      instanceId: r.instanceId,
      retry: r.attempts.length > 1,
    });
  }
  return items;
}

export interface Failure {
  source: string;
  at: number;
  type?: string;
  message: string;
  stack?: string;
}

/** The stack traces of a failure and its inner failures, outermost first. */
function stacks(f: FailureDetails | undefined): string[] {
  if (!f) return [];
  const inner = stacks(f.InnerFailure);
  return f.StackTrace ? [f.StackTrace, ...inner] : inner;
}

function stackOf(fd: FailureDetails | undefined, details: string | undefined): string | undefined {
  const chain = stacks(fd);
  if (chain.length) return chain.join('\n--- inner failure ---\n');
  return details || undefined;
}

/** Every failure the history records, oldest first. */
export function failures(history: HistoryItem[]): Failure[] {
  const found: Failure[] = [];
  for (const ev of history) {
    const at = t(ev.Timestamp);
    if (ev.EventType === 'TaskFailed' || ev.EventType === 'SubOrchestrationInstanceFailed') {
      const what = ev.EventType === 'TaskFailed' ? 'activity' : 'sub-orchestration';
      found.push({
        source: `${what} ${ev.FunctionName ?? ev.Name ?? '?'}`,
        at,
        type: ev.FailureDetails?.ErrorType,
        message: failureMessage(ev),
        stack: stackOf(ev.FailureDetails, ev.Details),
      });
    } else if (
      (ev.EventType === 'ExecutionCompleted' && ev.OrchestrationStatus === 'Failed') ||
      ev.EventType === 'ExecutionFailed'
    ) {
      found.push({
        source: 'orchestration',
        at,
        type: ev.FailureDetails?.ErrorType,
        message: ev.FailureDetails?.ErrorMessage ?? (typeof ev.Result === 'string' ? ev.Result : 'failed'),
        stack: stackOf(ev.FailureDetails, ev.Details),
      });
    }
  }
  return found;
}

/** The parent an id names by the `<parentId>:<n>` convention of generated sub-orchestration ids. */
export function parentByConvention(instanceId: string): string | undefined {
  return /^(.+):\d+$/.exec(instanceId)?.[1];
}

/** The parent an ExecutionStarted event names, when the backend shows it. */
export function parentFromHistory(history: HistoryItem[]): string | undefined {
  const started = history.find((e) => e.EventType === 'ExecutionStarted');
  return started?.ParentInstance?.OrchestrationInstance?.InstanceId;
}

/**
 * Whether `history` (of a candidate parent) started the child `name` created at `created`:
 * by the child's id when shown, else by name and a schedule time within `toleranceMs`.
 */
export function startedChild(
  history: HistoryItem[],
  child: { instanceId: string; name: string; created: number },
  toleranceMs = 2000,
): 'id' | 'time' | undefined {
  let byTime = false;
  for (const ev of history) {
    if (!ev.EventType.startsWith('SubOrchestrationInstance')) continue;
    if (ev.InstanceId === child.instanceId) return 'id';
    const name = ev.FunctionName ?? ev.Name;
    const scheduled = t(ev.ScheduledTime ?? ev.Timestamp);
    if (name === child.name && Math.abs(scheduled - child.created) <= toleranceMs) byTime = true;
  }
  return byTime ? 'time' : undefined;
}
