/**
 * Rewind of a Failed instance, as a plan over its stored history: the failures of activities
 * and sub-orchestrations (without a retry policy) and the failed completion become GenericEvents,
 * so on replay those tasks are open again; the activities are to be run again and the failed
 * children rewound themselves.
 */
import { EventType, event, type HistoryEvent } from './history';
import type { HistoryRow } from './rows';

export interface RewindPlan {
  /** The history rows with failures replaced, in the same order. */
  rows: HistoryRow[];
  rerun: Array<{ taskId: number; name: string; input: string | null }>;
  children: string[];
}

export function planRewind(rows: HistoryRow[], reason: string): RewindPlan {
  const events = rows.map((r) => JSON.parse(r.event) as HistoryEvent);
  const retried = new Set<number>();
  rows.forEach((r, i) => {
    if (r.meta?.includes('"retry"')) retried.add((events[i] as HistoryEvent).EventId);
  });
  const scheduledById = new Map<number, HistoryEvent>();
  const rerun: RewindPlan['rerun'] = [];
  const children: string[] = [];
  const rewound = (ev: HistoryEvent, why: string) =>
    event(EventType.GenericEvent, Date.parse(ev.Timestamp), { Data: `Rewound: ${why}` });
  const rewritten = events.map((ev) => {
    if (
      ev.EventType === EventType.TaskScheduled ||
      ev.EventType === EventType.SubOrchestrationInstanceCreated
    ) {
      scheduledById.set(ev.EventId, ev);
    }
    const failedTask =
      ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed;
    const scheduled = failedTask ? scheduledById.get(ev.TaskScheduledId ?? -1) : undefined;
    if (scheduled && !retried.has(scheduled.EventId)) {
      if (scheduled.EventType === EventType.TaskScheduled) {
        rerun.push({ taskId: scheduled.EventId, name: scheduled.Name ?? '', input: scheduled.Input ?? null });
      } else if (scheduled.InstanceId) {
        children.push(scheduled.InstanceId);
      }
      return rewound(ev, ev.Reason ?? '');
    }
    if (ev.EventType === EventType.ExecutionCompleted) return rewound(ev, reason);
    return ev;
  });
  return {
    rows: rows.map((r, i) => ({ ...r, event: JSON.stringify({ ...rewritten[i], IsPlayed: true }) })),
    rerun,
    children,
  };
}
