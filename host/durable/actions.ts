/**
 * The orchestrator's actions as the SDK returns them, and what the host writes for each: the
 * scheduling history events (with the DTFx sequence numbers), activity work, timers, child
 * instances, and the checks that an action on replay is the one the history holds.
 */

import { HostError } from '../common/errors';
import { HTTP_ACTIVITY, httpActivityInput, pollInput } from './durableHttp';
import { entityIdOf } from './entityMessages';
import { EventType, event, iso } from './history';
import type { ActionMeta, InstanceState, LedgerEntry, RetryPolicy } from './instance';
import type { EpisodeOutcome, EpisodeSettings, NewHistoryEvent } from './outcome';
import type { InstanceRow } from './rows';
import { newInstanceRow } from './rows';

export interface SdkAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  version?: string;
  retryOptions?: RetryPolicy;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: SdkAction[];
  /** CallHttp: the DurableHttpRequest. */
  httpRequest?: unknown;
  /** CallEntity, SignalEntity: the operation (the target is `instanceId`, `@name@key`). */
  operation?: string;
  /** LockEntities: the entities, sorted, and the request's id. */
  lockSet?: Array<{ name: string; key: string }>;
  lockRequestId?: string;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const ENTITY_KINDS: ReadonlySet<string> = new Set(['entityCall', 'entitySignal', 'lock', 'release']);

export class NonDeterminismError extends HostError {
  readonly code = 'NON_DETERMINISTIC';
  readonly retryable = false;
  override readonly name = 'NonDeterministicOrchestrationError';
}

export class UnsupportedActionError extends HostError {
  readonly code = 'UNSUPPORTED_ACTION';
  readonly retryable = false;
  override readonly name = 'UnsupportedActionError';
}

/** DTFx's RetryInterceptor: first interval × coefficient^(attempt), capped at the max interval. */
export function retryDelay(policy: RetryPolicy, failedAttemptIndex: number): number {
  const delay =
    policy.firstRetryIntervalInMilliseconds * (policy.backoffCoefficient ?? 1) ** failedAttemptIndex;
  const cap = policy.maxRetryIntervalInMilliseconds;
  return Math.round(cap !== undefined && cap > 0 && delay > cap ? cap : delay);
}

export function timerCreated(
  state: InstanceState,
  entry: LedgerEntry,
  seq: number,
  fireAt: number,
  now: number,
  out: EpisodeOutcome,
  meta?: ActionMeta,
): NewHistoryEvent {
  const ix = state.ledger.indexOf(entry);
  out.timers.push({
    fireAt,
    event: event(EventType.TimerFired, fireAt, { TimerId: seq, FireAt: iso(fireAt) }),
  });
  return {
    event: event(EventType.TimerCreated, now, { FireAt: iso(fireAt) }, seq),
    actionIx: ix,
    ...(meta ? { meta } : {}),
  };
}

/**
 * The next request of a durable HTTP call that is polled: a GET of its `Location`, under the
 * sequence number reserved for it when its 202 arrived.
 */
export function schedulePoll(
  state: InstanceState,
  entry: LedgerEntry,
  location: string,
  now: number,
  out: EpisodeOutcome,
): NewHistoryEvent {
  const seq = entry.pollId as number;
  const input = pollInput(entry.input, location);
  out.work.push({ taskId: seq, name: HTTP_ACTIVITY, input });
  return {
    event: event(EventType.TaskScheduled, now, { Name: HTTP_ACTIVITY, Input: input }, seq),
    actionIx: state.ledger.indexOf(entry),
  };
}

export function scheduleAttempt(
  state: InstanceState,
  entry: LedgerEntry,
  ix: number,
  seq: number,
  input: string | undefined,
  now: number,
  out: EpisodeOutcome,
): NewHistoryEvent {
  if (entry.kind === 'subOrchestration') {
    const childId = entry.childId ?? `${state.row.instanceId}:${seq}`;
    return createChild(state.row, entry.name, childId, input, ix, seq, now, out);
  }
  out.work.push({ taskId: seq, name: entry.name, input: input ?? null });
  return {
    event: event(EventType.TaskScheduled, now, { Name: entry.name, Input: input }, seq),
    actionIx: ix,
  };
}

export function scheduleAction(
  row: InstanceRow,
  action: SdkAction,
  ix: number,
  seq: number,
  now: number,
  settings: EpisodeSettings,
  out: EpisodeOutcome,
): NewHistoryEvent {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      const name = action.functionName ?? '';
      const input = inputJson(action.input, true);
      out.work.push({ taskId: seq, name, input: input ?? null });
      return {
        event: event(EventType.TaskScheduled, now, { Name: name, Input: input }, seq),
        actionIx: ix,
        meta: action.retryOptions ? { retry: action.retryOptions } : undefined,
      };
    }
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const name = action.functionName ?? '';
      const childId = action.instanceId || `${row.instanceId}:${seq}`;
      const created = createChild(row, name, childId, inputJson(action.input, false), ix, seq, now, out);
      return { ...created, meta: action.retryOptions ? { retry: action.retryOptions } : undefined };
    }
    case ActionType.CallHttp: {
      const input = httpActivityInput(action.httpRequest);
      out.work.push({ taskId: seq, name: HTTP_ACTIVITY, input });
      return {
        event: event(EventType.TaskScheduled, now, { Name: HTTP_ACTIVITY, Input: input }, seq),
        actionIx: ix,
      };
    }
    case ActionType.CreateTimer: {
      const finalAt = Date.parse(action.fireAt ?? '');
      const first =
        finalAt - now > settings.maximumShortTimerMs ? now + settings.longRunningTimerIntervalMs : finalAt;
      if (!action.isCanceled) {
        out.timers.push({
          fireAt: first,
          event: event(EventType.TimerFired, first, { TimerId: seq, FireAt: iso(first) }),
        });
      }
      return {
        event: event(EventType.TimerCreated, now, { FireAt: iso(first) }, seq),
        actionIx: ix,
        meta: { fireAt: finalAt },
      };
    }
    default:
      throw new UnsupportedActionError(
        `Orchestrator '${row.name}' returned an unknown action type ${action.actionType}`,
      );
  }
}

export function createChild(
  parentRow: InstanceRow,
  name: string,
  childId: string,
  input: string | undefined,
  ix: number,
  seq: number,
  now: number,
  out: EpisodeOutcome,
): NewHistoryEvent {
  const child = newInstanceRow(name, childId, input, now, {
    instanceId: parentRow.instanceId,
    executionId: parentRow.executionId,
    taskId: seq,
    name: parentRow.name,
  });
  out.children.push(child);
  return {
    event: event(
      EventType.SubOrchestrationInstanceCreated,
      now,
      { Name: name, InstanceId: childId, Input: input },
      seq,
    ),
    actionIx: ix,
  };
}

/**
 * The SDK serializes string inputs of activities and continue-as-new itself (they arrive as JSON
 * text); other inputs arrive as values.
 */
export function inputJson(input: unknown, stringIsJson: boolean): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string' && stringIsJson) return input;
  return JSON.stringify(input);
}

export function kindOf(action: SdkAction): LedgerEntry['kind'] {
  switch (action.actionType) {
    case ActionType.CreateTimer:
      return 'timer';
    case ActionType.CallHttp:
      return 'http';
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return 'subOrchestration';
    case ActionType.CallEntity:
      return 'entityCall';
    case ActionType.SignalEntity:
      return 'entitySignal';
    case ActionType.LockEntities:
      return 'lock';
    case ActionType.ReleaseEntities:
      return 'release';
    default:
      return 'activity';
  }
}

export function describe(entry: { kind: string; name: string }): string {
  if (entry.kind === 'timer') return 'a durable timer';
  if (entry.kind === 'http') return 'a durable HTTP call';
  if (entry.kind === 'entityCall') return `a call of entity '${entry.name}'`;
  if (entry.kind === 'entitySignal') return `a signal to entity '${entry.name}'`;
  if (entry.kind === 'lock') return `a lock on '${entry.name}'`;
  if (entry.kind === 'release') return 'the release of a lock';
  return `${entry.kind === 'activity' ? 'activity' : 'sub-orchestration'} '${entry.name}'`;
}

export function checkDeterminism(
  orchestrator: string,
  step: number,
  entry: LedgerEntry,
  action: SdkAction,
): void {
  const kind = kindOf(action);
  const name = ENTITY_KINDS.has(kind)
    ? entityActionName(action)
    : kind === 'timer'
      ? ''
      : kind === 'http'
        ? HTTP_ACTIVITY
        : (action.functionName ?? '');
  if (entry.kind !== kind || entry.name.toLowerCase() !== name.toLowerCase()) {
    throw new NonDeterminismError(
      `Non-deterministic orchestrator '${orchestrator}': step ${step} of its history is ${describe(entry)}, but on replay the orchestrator scheduled ${describe({ kind, name })}. Orchestrator code must not change while instances are running, and must not depend on Date.now(), Math.random() or I/O.`,
    );
  }
}

/** The `@name@key` ids of a lock request's entities. */
export function lockSetOf(action: SdkAction): string[] {
  return (action.lockSet ?? []).map((e) => entityIdOf(e.name, e.key));
}

/** What the ledger compares on replay for an entity action: its target, or its lock set. */
export function entityActionName(action: SdkAction): string {
  if (action.actionType === ActionType.LockEntities) return lockSetOf(action).join(',');
  if (action.actionType === ActionType.ReleaseEntities) return '';
  return action.instanceId ?? '';
}

export function flatten(actions: unknown[][] | undefined): SdkAction[] {
  const result: SdkAction[] = [];
  const visit = (a: SdkAction) => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const child of a.compoundActions ?? []) visit(child);
    } else {
      result.push(a);
    }
  };
  for (const group of actions ?? []) for (const a of group ?? []) visit(a as SdkAction);
  return result;
}
