/**
 * How a failed activity or sub-orchestration is written into its parent's history, as the Durable
 * extension writes it for an out-of-process (JavaScript) app:
 *
 * - `Reason` and `Details` are always both strings. `durable-functions` needs both to rebuild
 *   the error when there are no `FailureDetails` (`new Error(Reason + " \n " + Details)`); without
 *   them an orchestrator cannot catch the failure and a retry policy never retries.
 * - `FailureDetails` only where the extension has them for such an app: when the SDK itself
 *   reported them (an activity's error serialized by a registered exception-properties provider,
 *   or an orchestrator that failed with a task's `TaskFailedError`), and for failures of the
 *   built-in HTTP activity before its request is sent (DTFx's "unhandled exception" path).
 *
 * The extension serializes the .NET exception wrapping the JavaScript error as JSON into
 * `Details`; here `Details` carry the JavaScript error's stack as text.
 */
import { EventType, event, type FailureDetails, type HistoryEvent } from './history';

/** The SDK's serialized failure details of an activity error (exception-properties provider). */
function sdkFailureDetails(error: unknown): FailureDetails | undefined {
  if (!(error instanceof Error) || !error.message.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(error.message) as Record<string, unknown>;
    if (typeof parsed.errorType !== 'string' || typeof parsed.errorMessage !== 'string') return undefined;
    return {
      ErrorType: parsed.errorType,
      ErrorMessage: parsed.errorMessage,
      StackTrace: typeof parsed.stackTrace === 'string' ? parsed.stackTrace : error.stack,
      IsNonRetriable: parsed.isNonRetriable === true,
      Properties: parsed.properties as Record<string, unknown> | undefined,
    };
  } catch {
    return undefined;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** What `Details` carry: the error's stack, or its name and message when it has none. */
export function detailsOf(error: unknown): string {
  if (error instanceof Error) return error.stack || `${error.name || 'Error'}: ${error.message}`;
  return `Error: ${messageOf(error)}`;
}

/** An activity function threw (or could not run): its TaskFailed. */
export function activityFailed(taskId: number, name: string, error: unknown, at: number): HistoryEvent {
  const details = sdkFailureDetails(error);
  const message = details ? details.ErrorMessage : messageOf(error);
  return event(EventType.TaskFailed, at, {
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${message}`,
    Details: details?.StackTrace ?? detailsOf(error),
    ...(details ? { FailureDetails: details } : {}),
  });
}

/** The activity is not one the app registered (the extension's "nonexistent activity"). */
export function activityMissing(taskId: number, name: string, at: number): HistoryEvent {
  const message = `Activity function '${name}' does not exist.`;
  return event(EventType.TaskFailed, at, {
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${message}`,
    Details: `FunctionFailedException: ${message}`,
  });
}

/** A task failed with the reason and details given (a TaskFailureException in DTFx). */
export function taskFailed(taskId: number, reason: string, details: string, at: number): HistoryEvent {
  return event(EventType.TaskFailed, at, { TaskScheduledId: taskId, Reason: reason, Details: details });
}

/**
 * A failure outside the function itself (DTFx's "unhandled exception while executing task"),
 * such as the built-in HTTP activity's refusal to send a request: with `FailureDetails`.
 */
export function taskUnhandled(taskId: number, errorType: string, message: string, at: number): HistoryEvent {
  return event(EventType.TaskFailed, at, {
    TaskScheduledId: taskId,
    Reason: message,
    Details: `Unhandled exception while executing task: ${errorType}: ${message}`,
    FailureDetails: { ErrorType: errorType, ErrorMessage: message, IsNonRetriable: false },
  });
}

/** Why a child orchestration failed, for its parent. */
export interface ChildFailure {
  /** `Orchestrator function '<name>' failed: <error>`. */
  reason: string;
  /** The orchestrator's error message. */
  message: string;
  stack?: string;
  /** Only what the SDK reported itself. */
  details?: FailureDetails;
}

/** The parent's SubOrchestrationInstanceFailed for a failed child. */
export function subOrchestrationFailed(taskId: number, failure: ChildFailure, at: number): HistoryEvent {
  return event(EventType.SubOrchestrationInstanceFailed, at, {
    TaskScheduledId: taskId,
    Reason: failure.reason,
    Details: `Message: ${failure.message}, StackTrace: ${failure.stack ?? ''}`,
    ...(failure.details ? { FailureDetails: failure.details } : {}),
  });
}

/** The bare error message of a TaskFailed or SubOrchestrationInstanceFailed (for alerts). */
export function failureMessage(ev: HistoryEvent): string {
  if (ev.FailureDetails?.ErrorMessage) return ev.FailureDetails.ErrorMessage;
  const reason = ev.Reason ?? '';
  const prefixed = /^(?:Activity|Orchestrator) function '[^']*' failed: ([\s\S]*)$/.exec(reason);
  return prefixed ? (prefixed[1] as string) : reason;
}
