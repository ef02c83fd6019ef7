/**
 * The commit of one episode's outcome, through the group-commit queue: consumed messages,
 * cancelled timers, new history, status, timers, activity work, child instances and outgoing
 * messages in one transaction; then, only after it committed, the in-memory state follows
 * (the instance's cached state, held messages, timers, queued work, deliveries, end waiters).
 */
import type { ActivityQueue } from './activities';
import type { EngineAlerts } from './alerting';
import type { InstanceCache } from './cache';
import type { CommitQueue } from './commitQueue';
import type { EndWaiters } from './endWaiters';
import { executionStarted } from './executions';
import { subOrchestrationFailed } from './failures';
import type { HistoryEvent } from './history';
import { InstanceState } from './instance';
import type { EpisodeOutcome, PendingMessage } from './outcome';
import { TERMINAL_STATUSES, type WorkRow } from './rows';
import type { Store } from './store';
import type { TimerSchedule } from './timers';

export interface EpisodeCommitDeps {
  store: Store;
  commits: CommitQueue;
  cache: InstanceCache;
  activities: ActivityQueue;
  timers: TimerSchedule;
  alerts: EngineAlerts;
  endWaiters: EndWaiters;
}

/** Where the messages an episode leaves behind go: its instance's mailbox. */
export interface Mailbox {
  push(instanceId: string, message: PendingMessage): void;
  /** Messages a suspended instance set aside, to run again when something new arrives. */
  hold(instanceId: string, messages: PendingMessage[]): void;
}

/** Deletes the row a consumed message came from. */
export function deleteSource(store: Store, m: PendingMessage): void {
  if (m.source === 'message') store.deleteMessage(m.rowId);
  else if (m.source === 'work') store.deleteWork(m.rowId);
  else store.deleteTimer(m.rowId);
}

export function commitEpisode(
  deps: EpisodeCommitDeps,
  mailbox: Mailbox,
  state: InstanceState,
  outcome: EpisodeOutcome,
): Promise<void> {
  const { store, cache } = deps;
  const instanceId = state.row.instanceId;
  const baseSeq = outcome.resetHistory ? 0 : state.history.length;
  const stored = outcome.history.map((h) => JSON.stringify({ ...h.event, IsPlayed: true }));
  const timerIds: number[] = [];
  const workRows: WorkRow[] = [];
  const delivered: Array<{ instanceId: string; message: PendingMessage }> = [];
  const restarted: string[] = [];
  // An instance's end is visible to clients: it is fsynced. Other episodes are internal steps.
  const durable = TERMINAL_STATUSES.has(outcome.row.status);
  return deps.commits.enqueue(
    () => {
      for (const m of outcome.consumed) deleteSource(store, m);
      for (const t of outcome.cancelTimers) store.deleteTimer(t);
      if (outcome.ended) store.dropPendingWork(instanceId);
      if (outcome.resetHistory) store.clearHistory(instanceId);
      outcome.history.forEach((h, i) => {
        store.appendHistory(instanceId, {
          seq: baseSeq + i,
          actionIx: h.actionIx,
          meta: h.meta ? JSON.stringify(h.meta) : null,
          event: stored[i] as string,
        });
      });
      store.putInstance(outcome.row);
      for (const t of outcome.timers) {
        timerIds.push(store.addTimer(instanceId, outcome.row.executionId, t.fireAt, JSON.stringify(t.event)));
      }
      for (const w of outcome.work) {
        const id = store.addWork(instanceId, outcome.row.executionId, w.taskId, w.name, w.input);
        workRows.push({ id, instanceId, executionId: outcome.row.executionId, ...w });
      }
      for (const child of outcome.children) {
        const existing = store.getInstance(child.instanceId);
        let ev: HistoryEvent;
        let target = child.instanceId;
        let executionId: string | null = child.executionId;
        if (existing && !TERMINAL_STATUSES.has(existing.status)) {
          const message = `An instance with ID '${child.instanceId}' is already running`;
          ev = subOrchestrationFailed(
            child.parent?.taskId ?? -1,
            { reason: message, message },
            child.createdAt,
          );
          target = instanceId;
          executionId = outcome.row.executionId;
        } else {
          if (existing) {
            // A retried sub-orchestration reuses its instance id: forget the ended execution.
            store.purge(child.instanceId);
            restarted.push(child.instanceId);
          }
          store.putInstance(child);
          ev = executionStarted(child, child.createdAt, state.traceContext);
        }
        const id = store.addMessage(target, executionId, JSON.stringify(ev));
        delivered.push({
          instanceId: target,
          message: { source: 'message', rowId: id, executionId, event: ev },
        });
      }
      for (const m of outcome.messages) {
        const id = store.addMessage(m.instanceId, m.executionId, JSON.stringify(m.event));
        delivered.push({
          instanceId: m.instanceId,
          message: { source: 'message', rowId: id, executionId: m.executionId, event: m.event },
        });
      }
    },
    () => {
      if (outcome.resetHistory) {
        const fresh = new InstanceState(outcome.row);
        cache.set(instanceId, fresh);
      } else {
        state.row = outcome.row;
        outcome.history.forEach((h, i) => {
          state.apply(h.event, h.actionIx, h.meta);
          state.history.push(stored[i] as string);
        });
        for (const t of outcome.cancelTimers) {
          for (const [seq, rowId] of state.timerRows) {
            if (rowId === t) {
              state.timerRows.delete(seq);
              const entry = state.entryFor(seq);
              if (entry) entry.done = true;
            }
          }
        }
      }
      if (outcome.ended) deps.activities.dropQueued(instanceId);
      if (outcome.held.length > 0) mailbox.hold(instanceId, outcome.held);
      outcome.timers.forEach((t, i) => {
        const rowId = timerIds[i] as number;
        if (t.event.TimerId !== undefined && !outcome.resetHistory)
          state.timerRows.set(t.event.TimerId, rowId);
        deps.timers.added(instanceId, outcome.row.executionId, rowId, t.fireAt, t.event);
      });
      deps.activities.add(workRows);
      for (const child of restarted) cache.delete(child);
      for (const child of outcome.children) deps.alerts.watchSla(child.instanceId, child.createdAt);
      for (const d of delivered) mailbox.push(d.instanceId, d.message);
      if (durable) deps.endWaiters.ended(instanceId);
    },
    { durable },
  );
}
