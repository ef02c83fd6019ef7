/**
 * Folding a fan-out's results into one episode, only where that cannot delay the orchestrator.
 *
 * Every episode replays the instance's whole history, so a fan-out of thousands of activities
 * would replay it once per result if each result ran an episode of its own. But an orchestrator
 * blocked on `Task.all` over activities cannot observe a result until the last one is in (or one
 * fails): an episode run for any other result replays and changes nothing. The episode that
 * scheduled such a `Task.all` notes it ({@link BlockedOn}, found by `blockedOnTaskAll`); while it
 * holds, activity results (`TaskCompleted`) wait in the mailbox until they complete it. Anything
 * else that arrives (a failure, a timer, an event, a control message, a durable HTTP call's
 * answer, which may start a poll) runs the episode at once, and so does the result that
 * completes the `Task.all`, or any result once nothing of the instance is queued or running. So
 * no result reaches the orchestrator's code later than it would have otherwise; only the status
 * API's history shows the held results later.
 */
import { ActionType, type SdkAction } from './actions';
import { EventType, type HistoryEvent } from './history';
import type { BlockedOn, InstanceState } from './instance';
import type { PendingMessage } from './outcome';

const ACTIVITY_CALLS: ReadonlySet<number> = new Set([
  ActionType.CallActivity,
  ActionType.CallActivityWithRetry,
]);

/**
 * After an episode: whether the orchestrator is provably blocked on a `Task.all` of activities.
 * The SDK records an action when a task is first yielded, so when the last action it returned is
 * a `Task.all` of activities that this very episode scheduled (ledger entries from `newFrom` on),
 * that `Task.all` is what the orchestrator yielded last; none of its activities can have a result
 * yet, so the orchestrator is still waiting on it.
 */
export function blockedOnTaskAll(
  actions: unknown[][] | undefined,
  newFrom: number,
  ledgerLength: number,
): BlockedOn | undefined {
  const groups = (actions ?? []).filter((g) => g && g.length > 0);
  const last = groups[groups.length - 1]?.at(-1) as SdkAction | undefined;
  if (last?.actionType !== ActionType.WhenAll) return undefined;
  const children = last.compoundActions ?? [];
  if (children.length === 0 || !children.every((c) => ACTIVITY_CALLS.has(c.actionType))) return undefined;
  const from = ledgerLength - children.length;
  return from >= newFrom ? { from, to: ledgerLength } : undefined;
}

/**
 * After an episode that scheduled nothing: the orchestrator is still blocked on the `Task.all` it
 * was blocked on if all the episode brought were activity results that do not complete it (such
 * an episode runs after a restart, before its first results were held). So the fact survives the
 * restart: it is stored with the episode.
 */
export function stillBlocked(state: InstanceState, events: HistoryEvent[]): BlockedOn | undefined {
  const blocked = state.blocked;
  if (!blocked || !events.every((ev) => ev.EventType === EventType.TaskCompleted)) return undefined;
  const answered = new Set<number>();
  for (const ev of events) {
    const ix = ev.TaskScheduledId === undefined ? undefined : state.idToAction.get(ev.TaskScheduledId);
    if (ix !== undefined && ix >= blocked.from && ix < blocked.to) answered.add(ix);
  }
  for (let ix = blocked.from; ix < blocked.to; ix++) {
    if (!state.ledger[ix]?.done && !answered.has(ix)) return blocked;
  }
  return undefined;
}

export class ResultBatching {
  /** Per holding instance: how many of its waiting messages were looked at, and how many answer the `Task.all`. */
  private readonly progress = new Map<string, { seen: number; answers: number }>();

  /**
   * Whether the instance's waiting messages should keep waiting: the orchestrator is blocked on a
   * `Task.all` of activities, they are all activity results, and they do not complete it.
   */
  hold(
    instanceId: string,
    state: InstanceState | undefined,
    messages: PendingMessage[],
    outstanding: number,
  ): boolean {
    const blocked = state?.blocked;
    if (!state || !blocked || outstanding === 0) return false;
    const p = this.progress.get(instanceId) ?? { seen: 0, answers: 0 };
    // Messages only ever join the end of the list while it waits, so each is looked at once.
    for (; p.seen < messages.length; p.seen++) {
      const ev = (messages[p.seen] as PendingMessage).event;
      if (ev.EventType !== EventType.TaskCompleted) {
        this.progress.delete(instanceId);
        return false;
      }
      const ix = ev.TaskScheduledId === undefined ? undefined : state.idToAction.get(ev.TaskScheduledId);
      // A durable HTTP call's answer may start a poll: it goes at once, whatever else waits.
      if (ix !== undefined && state.ledger[ix]?.kind === 'http') {
        this.progress.delete(instanceId);
        return false;
      }
      if (
        ix !== undefined &&
        ix >= blocked.from &&
        ix < blocked.to &&
        state.ledger[ix]?.openId === ev.TaskScheduledId
      )
        p.answers++;
    }
    if (p.answers >= blocked.to - blocked.from) {
      this.progress.delete(instanceId);
      return false;
    }
    this.progress.set(instanceId, p);
    return true;
  }

  /** The instance's waiting messages went into an episode, or were set aside or forgotten. */
  taken(instanceId: string): void {
    this.progress.delete(instanceId);
  }
}
