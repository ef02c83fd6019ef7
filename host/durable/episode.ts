/**
 * One orchestration episode: the pending messages of an instance go into its history after a
 * new OrchestratorStarted, the orchestrator replays through the SDK's own protocol, and its
 * actions are matched against the ledger. The result is an {@link EpisodeOutcome}: everything
 * to commit in one transaction. Nothing here touches the store.
 */

import {
  ActionType,
  checkDeterminism,
  describe,
  flatten,
  NonDeterminismError,
  retryDelay,
  type SdkAction,
  scheduleAction,
  scheduleAttempt,
  schedulePoll,
  timerCreated,
  UnsupportedActionError,
} from './actions';
import { blockedOnTaskAll, stillBlocked } from './batching';
import { pollAfter } from './durableHttp';
import { toTimeSpan } from './duration';
import {
  entityActionHistory,
  type HeldLock,
  heldLockOf,
  isEntityAction,
  lockAfter,
  releaseOnEnd,
} from './entityActions';
import { completeExecution, failExecution, startNewExecution } from './executions';
import { failureMessage } from './failures';
import { EventType, event, type HistoryEvent, iso } from './history';
import type { InstanceState, LedgerEntry } from './instance';
import type {
  EpisodeOutcome,
  EpisodeSettings,
  NewHistoryEvent,
  OrchestratorFailure,
  PendingMessage,
  RunOrchestrator,
} from './outcome';
import type { InstanceRow } from './rows';
import { TERMINAL_STATUSES } from './rows';

const COMPLETION_TYPES: ReadonlySet<number> = new Set([
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
]);

export async function runEpisode(
  state: InstanceState,
  messages: PendingMessage[],
  now: number,
  settings: EpisodeSettings,
  run: RunOrchestrator,
): Promise<EpisodeOutcome> {
  const row: InstanceRow = { ...state.row, updatedAt: now };
  const out: EpisodeOutcome = {
    consumed: [],
    held: [],
    row,
    resetHistory: false,
    history: [],
    messages: [],
    timers: [],
    cancelTimers: [],
    work: [],
    children: [],
    ended: false,
    finalFailures: [],
  };

  if (TERMINAL_STATUSES.has(state.row.status)) {
    out.consumed = messages;
    out.row = state.row;
    return out;
  }

  let suspended = row.status === 'Suspended';
  let terminate: HistoryEvent | undefined;
  const control: HistoryEvent[] = [];
  const ordinary: PendingMessage[] = [];
  for (const m of messages) {
    const ev = m.event;
    if (ev.EventType === EventType.ExecutionTerminated) {
      terminate ??= ev;
      out.consumed.push(m);
    } else if (ev.EventType === EventType.ExecutionSuspended) {
      if (!suspended) control.push(ev);
      suspended = true;
      out.consumed.push(m);
    } else if (ev.EventType === EventType.ExecutionResumed) {
      if (suspended) control.push(ev);
      suspended = false;
      out.consumed.push(m);
    } else {
      ordinary.push(m);
    }
  }

  const started = event(EventType.OrchestratorStarted, now);
  if (terminate) {
    out.consumed.push(...ordinary);
    releaseOnEnd(row, heldLockOf(state.ledger), now, out);
    row.status = 'Terminated';
    row.output = terminate.Input ?? JSON.stringify('');
    out.history.push(
      { event: started, actionIx: null },
      { event: { ...terminate, Timestamp: iso(now) }, actionIx: null },
      { event: event(EventType.OrchestratorCompleted, now), actionIx: null },
    );
    out.ended = true;
    return out;
  }
  if (suspended) {
    out.held = ordinary;
    row.status = 'Suspended';
    if (control.length > 0) {
      out.history.push(
        { event: started, actionIx: null },
        ...control.map((e) => ({ event: e, actionIx: null })),
      );
    }
    return out;
  }
  if (row.status === 'Suspended') row.status = 'Running';

  // Completions that no longer belong to an open action (a cancelled timer, an earlier
  // execution, a duplicate delivery) are dropped, as DTFx drops them.
  const fresh: PendingMessage[] = [];
  for (const m of ordinary) {
    const ev = m.event;
    out.consumed.push(m);
    if (ev.EventType === EventType.ExecutionStarted) {
      if (state.history.length === 0) fresh.push(m);
      continue;
    }
    if (m.executionId && m.executionId !== row.executionId && ev.EventType !== EventType.EventRaised)
      continue;
    if (COMPLETION_TYPES.has(ev.EventType) || ev.EventType === EventType.TimerFired) {
      const id = ev.EventType === EventType.TimerFired ? ev.TimerId : ev.TaskScheduledId;
      const entry = state.entryFor(id);
      if (!entry || entry.done || entry.openId !== id) continue;
    }
    fresh.push(m);
  }
  if (state.history.length === 0 && !fresh.some((m) => m.event.EventType === EventType.ExecutionStarted)) {
    // Nothing can run before the instance has started; keep what arrived early.
    out.consumed = out.consumed.filter((m) => !ordinary.includes(m));
    out.held = ordinary;
    return out;
  }
  if (fresh.length === 0 && control.length === 0) {
    out.row = { ...state.row, status: row.status };
    return out;
  }

  // Events that make the SDK consume a sequence number before the orchestrator resumes go
  // first, so that the host and the SDK number everything the same way.
  const rank = (m: PendingMessage): number => {
    const ev = m.event;
    if (ev.EventType === EventType.ExecutionStarted) return 0;
    if (generatesFollowUp(state, ev, now, settings)) return 1;
    return 2;
  };
  const ordered = fresh
    .map((m, i) => ({ m, i, r: rank(m) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.m.event);

  let seq = state.nextSeq;
  const scheduled: NewHistoryEvent[] = [];
  const newEvents: HistoryEvent[] = [started, ...control, ...ordered];

  for (const ev of ordered) {
    if (ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed) {
      const entry = state.entryFor(ev.TaskScheduledId);
      const policy = entry?.meta.retry;
      if (
        entry &&
        ev.EventType === EventType.TaskFailed &&
        (!policy || entry.attempts >= policy.maxNumberOfAttempts)
      ) {
        out.finalFailures.push({
          taskId: ev.TaskScheduledId as number,
          name: entry.name,
          attempts: entry.attempts,
          reason: failureMessage(ev),
        });
      }
      if (!entry || !policy) continue;
      // After the last attempt DTFx still writes a timer, due at once ("dummy timer for
      // back-compat"); the SDK waits for it before it surfaces the failure.
      const fireAt =
        entry.attempts >= policy.maxNumberOfAttempts ? now : now + retryDelay(policy, entry.attempts - 1);
      scheduled.push(timerCreated(state, entry, seq, fireAt, now, out));
      seq++;
    } else if (ev.EventType === EventType.TaskCompleted) {
      // A durable HTTP call answered 202: a timer, and a number for the next request (the SDK
      // numbers both now).
      const entry = state.entryFor(ev.TaskScheduledId);
      const poll =
        entry?.kind === 'http' ? pollAfter(entry.input, ev.Result, settings.httpAsyncSleepMs) : undefined;
      if (!entry || !poll) continue;
      const meta = { pollId: seq + 1, pollUri: poll.location };
      scheduled.push(timerCreated(state, entry, seq, now + poll.delayMs, now, out, meta));
      seq += 2;
    } else if (ev.EventType === EventType.TimerFired) {
      const entry = state.entryFor(ev.TimerId);
      if (!entry) continue;
      const ix = state.idToAction.get(ev.TimerId as number) as number;
      if (entry.kind === 'http') {
        if (entry.pollId !== undefined && entry.pollUri !== undefined) {
          scheduled.push(schedulePoll(state, entry, entry.pollUri, now, out));
        }
      } else if (entry.kind === 'timer') {
        const finalAt = entry.meta.fireAt ?? 0;
        if (finalAt > now) {
          const next =
            finalAt - now > settings.maximumShortTimerMs
              ? now + settings.longRunningTimerIntervalMs
              : finalAt;
          scheduled.push(timerCreated(state, entry, seq, next, now, out));
          seq++;
        }
      } else if (entry.meta.retry && entry.attempts < entry.meta.retry.maxNumberOfAttempts) {
        scheduled.push(scheduleAttempt(state, entry, ix, seq, entry.input, now, out));
        seq++;
      }
    }
  }

  const historyEvents = [...state.history, ...newEvents.map((e) => JSON.stringify(e))];
  const payload = buildPayload(state, row, historyEvents, settings);
  const result = await run(payload);

  let failure: OrchestratorFailure | undefined = result.error;
  const sdkState = result.state;
  const actions = flatten(sdkState?.actions);
  let continueAsNew: SdkAction | undefined;
  const waits = new Map<string, number>();
  let actionIx = 0;
  let held: HeldLock | undefined;
  // What the instance was started in (its first episode has not applied its ExecutionStarted yet).
  const traceContext =
    state.traceContext ?? ordered.find((e) => e.EventType === EventType.ExecutionStarted)?.ParentTraceContext;
  try {
    for (const action of actions) {
      if (action.actionType === ActionType.WaitForExternalEvent) {
        const name = action.externalEventName ?? '';
        waits.set(name, (waits.get(name) ?? 0) + 1);
        continue;
      }
      if (action.actionType === ActionType.ContinueAsNew) {
        continueAsNew = action;
        continue;
      }
      const existing = state.ledger[actionIx];
      if (isEntityAction(action.actionType)) {
        if (existing) checkDeterminism(row.name, actionIx, existing, action);
        else {
          const events = entityActionHistory(row, action, held, actionIx, seq, now, out, traceContext);
          scheduled.push(...events);
          seq += events.length;
        }
        held = lockAfter(action, held);
        actionIx++;
        continue;
      }
      if (existing) {
        checkDeterminism(row.name, actionIx, existing, action);
        if (action.actionType === ActionType.CreateTimer && action.isCanceled && !existing.done) {
          const timerRow = existing.openId === undefined ? undefined : state.timerRows.get(existing.openId);
          if (timerRow !== undefined) out.cancelTimers.push(timerRow);
        }
      } else {
        scheduled.push(scheduleAction(row, action, actionIx, seq, now, settings, out));
        seq++;
      }
      actionIx++;
    }
    if (!failure && actionIx < state.ledger.length) {
      const missing = state.ledger[actionIx] as LedgerEntry;
      throw new NonDeterminismError(
        `Non-deterministic orchestrator '${row.name}': step ${actionIx} of its history is ${describe(missing)}, but on replay the orchestrator ${sdkState?.isDone ? 'completed' : 'stopped'} without scheduling it. Orchestrator code must not change while instances are running, and must not depend on Date.now(), Math.random() or I/O.`,
      );
    }
  } catch (err) {
    if (!(err instanceof NonDeterminismError || err instanceof UnsupportedActionError)) throw err;
    failure = { message: err.message, stack: err.stack, errorType: err.name };
    scheduled.length = 0;
    out.timers = [];
    out.work = [];
    out.messages = [];
    out.children = [];
    held = heldLockOf(state.ledger);
  }

  if (sdkState?.customStatus !== undefined) row.customStatus = JSON.stringify(sdkState.customStatus);
  out.history.push(...newEvents.map((e) => ({ event: e, actionIx: null })), ...scheduled);

  if (failure) {
    failExecution(out, row, failure, now);
    // An orchestrator that threw returns no actions: what it holds is in the ledger.
    releaseOnEnd(row, result.error ? heldLockOf(state.ledger) : held, now, out);
  } else if (continueAsNew) {
    releaseOnEnd(row, held, now, out);
    startNewExecution(state, row, continueAsNew, ordered, waits, now, out);
  } else if (sdkState?.isDone) {
    completeExecution(out, row, sdkState.output, now);
    releaseOnEnd(row, held, now, out);
  } else {
    row.status = 'Running';
    const blocked =
      blockedOnTaskAll(sdkState?.actions, state.ledger.length, actionIx) ??
      (actionIx === state.ledger.length ? stillBlocked(state, ordered) : undefined);
    out.history.push({
      event: event(EventType.OrchestratorCompleted, now),
      actionIx: null,
      ...(blocked ? { meta: { blocked } } : {}),
    });
  }
  return out;
}

function generatesFollowUp(
  state: InstanceState,
  ev: HistoryEvent,
  now: number,
  settings: EpisodeSettings,
): boolean {
  if (ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed) {
    return Boolean(state.entryFor(ev.TaskScheduledId)?.meta.retry);
  }
  if (ev.EventType === EventType.TaskCompleted) {
    const entry = state.entryFor(ev.TaskScheduledId);
    return (
      entry?.kind === 'http' && pollAfter(entry.input, ev.Result, settings.httpAsyncSleepMs) !== undefined
    );
  }
  if (ev.EventType === EventType.TimerFired) {
    const entry = state.entryFor(ev.TimerId);
    if (!entry) return false;
    if (entry.kind === 'timer') return (entry.meta.fireAt ?? 0) > now;
    return Boolean(entry.meta.retry && entry.attempts < entry.meta.retry.maxNumberOfAttempts);
  }
  return false;
}

function buildPayload(
  state: InstanceState,
  row: InstanceRow,
  history: string[],
  settings: EpisodeSettings,
): string {
  const input = row.input ?? 'null';
  return `{"history":[${history.join(',')}],"input":${input},"instanceId":${JSON.stringify(row.instanceId)},"isReplaying":${
    state.history.length > 0
  },"parentInstanceId":${JSON.stringify(row.parent?.instanceId ?? '')},"upperSchemaVersion":1,"upperSchemaVersionNew":3,"maximumShortTimerDuration":${JSON.stringify(
    toTimeSpan(settings.maximumShortTimerMs),
  )},"longRunningTimerIntervalDuration":${JSON.stringify(
    toTimeSpan(settings.longRunningTimerIntervalMs),
  )},"defaultHttpAsyncRequestSleepTimeMillseconds":${settings.httpAsyncSleepMs}}`;
}
