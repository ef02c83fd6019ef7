/**
 * What function invocations answer, turned into durable history: an activity's return value or
 * error as TaskCompleted / TaskFailed, and an orchestrator's failure as the SDK reports it (its
 * state JSON after the out-of-proc marker, as the extension parses it).
 */
import type { RpcTypedData } from '../functions/core';
import type { OrchestratorResult } from './episode';
import { EventType, event, type FailureDetails, type HistoryEvent, toFailureDetails } from './history';

const OUT_OF_PROC_MARKER = '\n\n$OutOfProcData$:';

export function taskCompleted(
  taskId: number,
  value: RpcTypedData | null | undefined,
  at: number,
): HistoryEvent {
  return event(EventType.TaskCompleted, at, { TaskScheduledId: taskId, Result: resultJson(value) });
}

export function taskFailed(taskId: number, name: string, error: unknown, at: number): HistoryEvent {
  const details = activityFailureDetails(error);
  return event(EventType.TaskFailed, at, {
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${details.ErrorMessage}`,
    Details: details.StackTrace,
    FailureDetails: details,
  });
}

/** An orchestrator invocation that threw: the message, stack and state the SDK packed in. */
export function orchestratorFailure(thrown: unknown): OrchestratorResult {
  const original = thrown instanceof Error ? thrown : new Error(String(thrown));
  const at = original.message.indexOf(OUT_OF_PROC_MARKER);
  if (at < 0) return { error: { message: original.message, stack: original.stack } };
  let state: OrchestratorResult['state'];
  let details: FailureDetails | undefined;
  let message = original.message.slice(0, at);
  try {
    const parsed = JSON.parse(original.message.slice(at + OUT_OF_PROC_MARKER.length));
    state = { ...parsed, actions: [] };
    details = parsed.failureDetails;
    // The SDK puts the orchestrator's own error message in the state's "error" field.
    if (typeof parsed.error === 'string') message = parsed.error;
  } catch {
    state = undefined;
  }
  return { state, error: { message, stack: original.stack ?? details?.StackTrace, details } };
}

function resultJson(
  value:
    | { json?: string | null; string?: string | null; int?: number | null; double?: number | null }
    | null
    | undefined,
): string {
  if (!value) return 'null';
  if (typeof value.json === 'string') return value.json;
  if (typeof value.string === 'string') return JSON.stringify(value.string);
  if (typeof value.int === 'number') return String(value.int);
  if (typeof value.double === 'number') return String(value.double);
  return 'null';
}

/** An activity's error, or the failure details the SDK serialized into its message. */
function activityFailureDetails(error: unknown): FailureDetails {
  if (error instanceof Error && error.message.startsWith('{')) {
    try {
      const parsed = JSON.parse(error.message) as Record<string, unknown>;
      if (typeof parsed.errorType === 'string' && typeof parsed.errorMessage === 'string') {
        return {
          ErrorType: parsed.errorType,
          ErrorMessage: parsed.errorMessage,
          StackTrace: typeof parsed.stackTrace === 'string' ? parsed.stackTrace : error.stack,
          IsNonRetriable: parsed.isNonRetriable === true,
          Properties: parsed.properties as Record<string, unknown> | undefined,
        };
      }
    } catch {
      // not the SDK's serialized form
    }
  }
  return toFailureDetails(error);
}
