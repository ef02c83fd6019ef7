/**
 * How the host calls the app's durable functions, and what their answers become: an
 * orchestrator's state (or its failure, as the SDK packs it after the out-of-proc marker, the way
 * the extension parses it), and an activity's return value or error as TaskCompleted/TaskFailed.
 * Each call runs in its telemetry span when telemetry is on.
 */
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { activeTracer, contextFrom, endSpan, traceParentOf } from '../common/telemetry';
import type { FunctionRegistry, RpcTypedData } from '../runtime/core';
import { InvocationError, type InvocationRequest, type Invoker } from '../runtime/invoke';
import { activityFailed, activityMissing } from './failures';
import { EventType, event, type FailureDetails, type HistoryEvent } from './history';
import type { OrchestratorResult } from './outcome';
import type { WorkRow } from './rows';

export interface InvocationDeps {
  registry: FunctionRegistry;
  invoker: Invoker;
  now(): number;
}

function inSpan(deps: InvocationDeps, request: InvocationRequest, span: Span | undefined) {
  return span
    ? context.with(trace.setSpan(context.active(), span), () => deps.invoker.invoke(request))
    : deps.invoker.invoke(request);
}

/** Replays an orchestrator with the extension's trigger payload; its state, or why it failed. */
export async function invokeOrchestrator(
  deps: InvocationDeps,
  row: { name: string; instanceId: string },
  payload: string,
  traceParent: string | undefined,
  span: Span | undefined,
): Promise<OrchestratorResult> {
  const fn = deps.registry.get(row.name);
  if (fn?.trigger.type !== 'orchestrationTrigger') {
    return { error: { message: `No orchestrator function named '${row.name}' is registered in the app` } };
  }
  try {
    const { response } = await inSpan(
      deps,
      {
        fn,
        inputData: [{ name: fn.triggerName, data: { json: payload } }],
        traceParent,
        logFields: { instanceId: row.instanceId, kind: 'orchestrator' },
      },
      span,
    );
    const json = response.returnValue?.json ?? response.returnValue?.string;
    if (!json) return { error: { message: 'The orchestrator returned no state' } };
    return { state: JSON.parse(json) };
  } catch (err) {
    if (!(err instanceof InvocationError)) throw err;
    return orchestratorFailure(err.original);
  }
}

/** Runs one activity; its result or failure as the history event that answers its TaskScheduled. */
export async function invokeActivity(
  deps: InvocationDeps,
  work: WorkRow,
  traceContext: HistoryEvent['ParentTraceContext'],
): Promise<HistoryEvent> {
  const fn = deps.registry.get(work.name);
  if (fn?.trigger.type !== 'activityTrigger') return activityMissing(work.taskId, work.name, deps.now());
  const span = activeTracer()?.startSpan(
    `activity ${work.name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'durable.instance.id': work.instanceId,
        'durable.execution.id': work.executionId,
        'durable.task.id': work.taskId,
      },
    },
    contextFrom(traceContext),
  );
  const request: InvocationRequest = {
    fn,
    inputData: [{ name: fn.triggerName, data: work.input === null ? {} : { json: work.input } }],
    traceParent: span ? traceParentOf(span) : traceContext?.TraceParent,
    logFields: { instanceId: work.instanceId, kind: 'activity', taskId: work.taskId },
  };
  try {
    const { response } = await inSpan(deps, request, span);
    if (span) endSpan(span, 'completed');
    return taskCompleted(work.taskId, response.returnValue, deps.now());
  } catch (err) {
    const original = err instanceof InvocationError ? err.original : err;
    if (span) endSpan(span, 'failed', original);
    return activityFailed(work.taskId, work.name, original, deps.now());
  }
}

const OUT_OF_PROC_MARKER = '\n\n$OutOfProcData$:';

export function taskCompleted(
  taskId: number,
  value: RpcTypedData | null | undefined,
  at: number,
): HistoryEvent {
  return event(EventType.TaskCompleted, at, { TaskScheduledId: taskId, Result: resultJson(value) });
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
