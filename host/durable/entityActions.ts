/**
 * An orchestrator's entity actions, as the extension records them: `callEntity`, `signalEntity`,
 * a critical section's lock request (`lock`) and its release. Each is an `EventSent` in the
 * orchestrator's history under the sequence number the SDK gives it (a release takes one per
 * entity), whose input is the RequestMessage sent; the SDK reads the request's `id` from it and
 * waits for the answer named by that id. An orchestration that ends holding a critical section
 * releases it.
 */
import { ActionType, lockSetOf, type SdkAction, UnsupportedActionError } from './actions';
import {
  entityIdOf,
  newRequestId,
  operationEvent,
  parseEntityId,
  type RequestMessage,
  releaseEvent,
} from './entityMessages';
import { EventType, event, type HistoryEvent, iso } from './history';
import type { ActionMeta, LedgerEntry } from './instance';
import type { EpisodeOutcome, NewHistoryEvent } from './outcome';
import type { InstanceRow } from './rows';

/** A critical section an orchestrator holds (or has asked for). */
export interface HeldLock {
  lockSet: string[];
  requestId: string;
}

type LockAction = SdkAction;

export function isEntityAction(actionType: number): boolean {
  return (
    actionType === ActionType.CallEntity ||
    actionType === ActionType.SignalEntity ||
    actionType === ActionType.LockEntities ||
    actionType === ActionType.ReleaseEntities
  );
}

/** The critical section held after `action`, given the one held before it. */
export function lockAfter(action: LockAction, held: HeldLock | undefined): HeldLock | undefined {
  if (action.actionType === ActionType.LockEntities) {
    return { lockSet: lockSetOf(action), requestId: action.lockRequestId ?? '' };
  }
  if (action.actionType === ActionType.ReleaseEntities) return undefined;
  return held;
}

/** The critical section held at the end of the ledger (for an instance terminated in it). */
export function heldLockOf(ledger: LedgerEntry[]): HeldLock | undefined {
  let held: HeldLock | undefined;
  for (const entry of ledger) {
    if (entry.kind === 'lock' && entry.meta.lockSet) {
      held = { lockSet: entry.meta.lockSet, requestId: entry.meta.requestId ?? '' };
    } else if (entry.kind === 'release') {
      held = undefined;
    }
  }
  return held;
}

/** How many sequence numbers the action takes (a release: one per entity of its lock). */
export function entityActionHistory(
  row: InstanceRow,
  action: LockAction,
  held: HeldLock | undefined,
  ix: number,
  seq: number,
  now: number,
  out: EpisodeOutcome,
  traceContext?: HistoryEvent['ParentTraceContext'],
): NewHistoryEvent[] {
  const parent = {
    parent: row.instanceId,
    parentExecution: row.executionId,
    ...(traceContext ? { parentTraceContext: traceContext } : {}),
  };
  const sent = (target: string, name: string, input: string, meta: ActionMeta, eventId: number) => ({
    event: event(EventType.EventSent, now, { InstanceId: target, Name: name, Input: input }, eventId),
    actionIx: ix,
    meta,
  });
  switch (action.actionType) {
    case ActionType.CallEntity:
    case ActionType.SignalEntity: {
      const target = action.instanceId ?? '';
      if (!parseEntityId(target)) {
        throw new UnsupportedActionError(
          `Orchestrator '${row.name}' addressed an entity with the bad id '${target}'`,
        );
      }
      const signal = action.actionType === ActionType.SignalEntity;
      const request: RequestMessage = {
        op: action.operation ?? '',
        signal,
        ...(action.input !== undefined ? { input: JSON.stringify(action.input) } : {}),
        id: newRequestId(),
        ...parent,
        timestamp: iso(now),
      };
      out.messages.push({ instanceId: target, executionId: null, event: operationEvent(request, now) });
      const meta: ActionMeta = { entity: signal ? 'entitySignal' : 'entityCall', target };
      return [sent(target, 'op', JSON.stringify(request), meta, seq)];
    }
    case ActionType.LockEntities: {
      const lockSet = action.lockSet ?? [];
      const first = lockSet[0];
      if (!first)
        throw new UnsupportedActionError(`Orchestrator '${row.name}' asked for a lock on no entity`);
      const requestId = action.lockRequestId ?? newRequestId();
      const request: RequestMessage = {
        id: requestId,
        ...parent,
        lockset: lockSet,
        pos: 0,
        timestamp: iso(now),
      };
      const target = entityIdOf(first.name, first.key);
      out.messages.push({ instanceId: target, executionId: null, event: operationEvent(request, now) });
      const meta: ActionMeta = {
        entity: 'lock',
        target: lockSetOf(action).join(','),
        lockSet: lockSetOf(action),
        requestId,
      };
      return [sent(target, 'op', JSON.stringify(request), meta, seq)];
    }
    case ActionType.ReleaseEntities: {
      if (!held)
        throw new UnsupportedActionError(`Orchestrator '${row.name}' released a lock it does not hold`);
      return held.lockSet.map((target, i) => {
        const release = { parent: row.instanceId, id: held.requestId };
        out.messages.push({ instanceId: target, executionId: null, event: releaseEvent(release, now) });
        return sent(target, 'release', JSON.stringify(release), { entity: 'release', target: '' }, seq + i);
      });
    }
    default:
      throw new UnsupportedActionError(
        `Orchestrator '${row.name}' returned an unknown action type ${action.actionType}`,
      );
  }
}

/** The release messages of a critical section the orchestration still holds as it ends. */
export function releaseOnEnd(
  row: InstanceRow,
  held: HeldLock | undefined,
  now: number,
  out: EpisodeOutcome,
): void {
  if (!held) return;
  for (const target of held.lockSet) {
    out.messages.push({
      instanceId: target,
      executionId: null,
      event: releaseEvent({ parent: row.instanceId, id: held.requestId }, now),
    });
  }
}
