/**
 * How an execution starts and ends: its ExecutionStarted event, and the outcome of an episode in
 * which the orchestrator completed, failed or continued as new (a fresh execution of the same
 * instance). A sub-orchestration's parent hears of its end as a message.
 */
import { inputJson, type SdkAction } from './actions';
import { subOrchestrationFailed } from './failures';
import { EventType, event, type FailureDetails, type HistoryEvent } from './history';
import type { InstanceState } from './instance';
import type { EpisodeOutcome, OrchestratorFailure } from './outcome';
import { type InstanceRow, newId, type RuntimeStatus } from './rows';

export function executionStarted(
  row: InstanceRow,
  now: number,
  traceContext?: HistoryEvent['ParentTraceContext'],
): HistoryEvent {
  return event(EventType.ExecutionStarted, now, {
    Name: row.name,
    Version: row.version ?? '',
    Input: row.input ?? undefined,
    OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
    ParentInstance: row.parent
      ? {
          Name: row.parent.name,
          OrchestrationInstance: { InstanceId: row.parent.instanceId, ExecutionId: row.parent.executionId },
          TaskScheduleId: row.parent.taskId,
        }
      : undefined,
    ...(traceContext ? { ParentTraceContext: traceContext } : {}),
  });
}

/** The orchestrator returned its output: the instance is Completed. */
export function completeExecution(out: EpisodeOutcome, row: InstanceRow, output: unknown, now: number): void {
  const result = JSON.stringify(output ?? null);
  finish(out, row, 'Completed', result, now, {});
  tellParent(out, row, EventType.SubOrchestrationInstanceCompleted, now, { Result: result });
}

/** The orchestrator (or the host's checks of it) failed: the instance is Failed. */
export function failExecution(
  out: EpisodeOutcome,
  row: InstanceRow,
  failure: OrchestratorFailure,
  now: number,
): void {
  const reported = failure.details?.ErrorType ? failure.details : undefined;
  const details: FailureDetails = reported ?? {
    ErrorType: failure.errorType ?? 'Error',
    ErrorMessage: failure.message,
    StackTrace: failure.stack,
  };
  const message = `Orchestrator function '${row.name}' failed: ${failure.message}`;
  finish(out, row, 'Failed', JSON.stringify(failure.stack ? `${message}\n${failure.stack}` : message), now, {
    FailureDetails: details,
  });
  if (!row.parent) return;
  out.messages.push({
    instanceId: row.parent.instanceId,
    executionId: row.parent.executionId,
    event: subOrchestrationFailed(
      row.parent.taskId,
      { reason: message, message: failure.message, stack: failure.stack, details: reported },
      now,
    ),
  });
}

function finish(
  out: EpisodeOutcome,
  row: InstanceRow,
  status: RuntimeStatus,
  output: string,
  now: number,
  extra: Partial<HistoryEvent>,
): void {
  row.status = status;
  row.output = output;
  out.ended = true;
  out.timers = [];
  out.work = [];
  out.children = [];
  out.history.push(
    {
      event: event(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: status,
        Result: output,
        ...extra,
      }),
      actionIx: null,
    },
    { event: event(EventType.OrchestratorCompleted, now), actionIx: null },
  );
}

/** A sub-orchestration's end, as the message its parent receives. */
function tellParent(
  out: EpisodeOutcome,
  row: InstanceRow,
  type: number,
  now: number,
  fields: Partial<HistoryEvent>,
): void {
  if (!row.parent) return;
  out.messages.push({
    instanceId: row.parent.instanceId,
    executionId: row.parent.executionId,
    event: event(type, now, { TaskScheduledId: row.parent.taskId, ...fields }),
  });
}

/**
 * continue-as-new: a fresh execution. EventRaised events of this episode that no wait consumed
 * are carried over to it, as DTFx carries over events that arrive with the continue-as-new.
 */
export function startNewExecution(
  state: InstanceState,
  row: InstanceRow,
  action: SdkAction,
  batch: HistoryEvent[],
  waits: Map<string, number>,
  now: number,
  out: EpisodeOutcome,
): void {
  const carried: HistoryEvent[] = [];
  const unconsumed = new Map<string, number>();
  for (const [name, count] of state.raised) unconsumed.set(name, count - (waits.get(name) ?? 0));
  for (const ev of batch) {
    if (ev.EventType === EventType.EventRaised) {
      const name = ev.Name ?? '';
      unconsumed.set(name, (unconsumed.get(name) ?? -(waits.get(name) ?? 0)) + 1);
    }
  }
  for (let i = batch.length - 1; i >= 0; i--) {
    const ev = batch[i] as HistoryEvent;
    if (ev.EventType !== EventType.EventRaised) continue;
    const name = ev.Name ?? '';
    const left = unconsumed.get(name) ?? 0;
    if (left > 0) {
      carried.unshift({ ...ev, IsPlayed: false });
      unconsumed.set(name, left - 1);
    }
  }
  const input = inputJson(action.input, true);
  row.executionId = newId();
  row.input = input ?? null;
  row.status = 'Running';
  row.output = null;
  out.resetHistory = true;
  out.history = [];
  out.timers = [];
  out.work = [];
  out.ended = true;
  out.messages.push({
    instanceId: row.instanceId,
    executionId: row.executionId,
    event: executionStarted(row, now, state.traceContext),
  });
  for (const ev of carried) out.messages.push({ instanceId: row.instanceId, executionId: null, event: ev });
  state.raised.clear();
}
