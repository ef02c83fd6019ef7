/**
 * What the status API shows of an instance: its status payload, and its history with names for
 * numbers and each completion merged with what it completes, as the extension shows them.
 */
import { EventType, EventTypeNames, type HistoryEvent } from './history';
import type { InstanceRow } from './rows';

export function parseJsonText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Times as the extension formats them: whole seconds, UTC. */
function statusTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function statusPayload(row: InstanceRow, showInput: boolean): Record<string, unknown> {
  return {
    name: row.name,
    instanceId: row.instanceId,
    runtimeStatus: row.status,
    input: showInput ? parseJsonText(row.input) : null,
    customStatus: parseJsonText(row.customStatus),
    output: parseJsonText(row.output),
    createdTime: statusTime(row.createdAt),
    lastUpdatedTime: statusTime(row.updatedAt),
  };
}

/** The history as the status API shows it: names, not numbers, and completions merged with what they complete. */
export function historyView(
  history: HistoryEvent[],
  showInput: boolean,
  showOutput: boolean,
): Record<string, unknown>[] {
  const scheduled = new Map<number, { index: number; event: HistoryEvent }>();
  const view: Array<Record<string, unknown> | undefined> = [];
  for (const ev of history) {
    if (ev.EventType === EventType.OrchestratorStarted || ev.EventType === EventType.OrchestratorCompleted)
      continue;
    const { EventId, IsPlayed: _p, EventType: type, ...rest } = ev;
    const item: Record<string, unknown> = { EventType: EventTypeNames[type] ?? String(type), ...rest };
    if (!showInput) delete item.Input;
    switch (type) {
      case EventType.ExecutionStarted:
        item.FunctionName = item.Name;
        delete item.Name;
        delete item.OrchestrationInstance;
        delete item.ParentInstance;
        delete item.ParentTraceContext;
        delete item.Version;
        break;
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        delete item.Version;
        scheduled.set(EventId, { index: view.length, event: ev });
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(ev.TaskScheduledId ?? -1);
        if (s) {
          view[s.index] = undefined;
          item.ScheduledTime = s.event.Timestamp;
          item.FunctionName = s.event.Name;
          if (showInput && s.event.Input !== undefined) item.Input = s.event.Input;
        }
        delete item.TaskScheduledId;
        if (showOutput && typeof item.Result === 'string') item.Result = parseJsonText(item.Result);
        else delete item.Result;
        break;
      }
      case EventType.ExecutionCompleted:
        if (showOutput && typeof item.Result === 'string') item.Result = parseJsonText(item.Result);
        else delete item.Result;
        break;
      case EventType.TimerFired:
        delete item.TimerId;
        break;
      default:
        break;
    }
    view.push(item);
  }
  return view.filter((v): v is Record<string, unknown> => v !== undefined);
}
