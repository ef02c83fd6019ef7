/**
 * Client operations on entities: signal one (committed, fsynced, before it is acknowledged, then
 * handed to the entity's mailbox), read its state, list entities, and clean entity storage. An
 * entity's state is read as last committed: operations already signalled but not yet run are not
 * in it, as in Azure.
 */
import type { FunctionRegistry } from '../runtime/core';
import { DurableError } from './client';
import type { Clock } from './clock';
import type { CommitQueue } from './commitQueue';
import type { EntityScheduler } from './entities';
import { entityFunction } from './entities';
import { entityIdOf, newRequestId, operationEvent } from './entityMessages';
import { type HistoryEvent, iso } from './history';
import type { EntityOpRow, EntityQuery, EntityRow } from './rows';
import type { Store } from './store';

export interface EntityClientDeps {
  store: Store;
  clock: Clock;
  commits: CommitQueue;
  registry: FunctionRegistry;
  scheduler: EntityScheduler;
  /** Whether an orchestration instance is still running (an ended one's locks are orphaned). */
  isLive(instanceId: string): boolean;
}

export interface CleanResult {
  numberOfEmptyEntitiesRemoved: number;
  numberOfOrphanedLocksRemoved: number;
}

/** An entity name or key the extension would refuse: 400, naming the problem. */
export function checkEntityId(name: string, key: string): void {
  if (name === '' || name.includes('@')) {
    throw new DurableError(
      'BAD_REQUEST',
      `Entity name '${name}' is invalid: it must not be empty or contain '@'`,
    );
  }
  if (key === '') throw new DurableError('BAD_REQUEST', 'The entity key must not be empty');
}

export class EntityClient {
  constructor(private readonly deps: EntityClientDeps) {}

  /** Sends a one-way operation; resolves once it is committed. */
  async signal(
    name: string,
    key: string,
    operation: string,
    inputJson: string | undefined,
    traceContext?: HistoryEvent['ParentTraceContext'],
  ): Promise<void> {
    checkEntityId(name, key);
    if (!entityFunction(this.deps.registry, name)) {
      throw new DurableError('BAD_REQUEST', `No entity function named '${name}' is registered in the app`);
    }
    const entityId = entityIdOf(name, key);
    const now = this.deps.clock.now();
    const ev = operationEvent(
      {
        op: operation,
        signal: true,
        ...(inputJson !== undefined ? { input: inputJson } : {}),
        id: newRequestId(),
        timestamp: iso(now),
        ...(traceContext ? { parentTraceContext: traceContext } : {}),
      },
      now,
    );
    let rowId = 0;
    await this.deps.commits.enqueue(
      () => {
        rowId = this.deps.store.addMessage(entityId, null, JSON.stringify(ev));
      },
      () => this.deps.scheduler.push(entityId, { source: 'message', rowId, executionId: null, event: ev }),
    );
  }

  /** The entity as last committed; undefined when it does not exist. */
  read(name: string, key: string): EntityRow | undefined {
    checkEntityId(name, key);
    const row = this.deps.store.getEntity(entityIdOf(name, key));
    return row?.exists ? row : undefined;
  }

  get(entityId: string): EntityRow | undefined {
    return this.deps.store.getEntity(entityId);
  }

  list(q: EntityQuery): EntityRow[] {
    return this.deps.store.queryEntities(q);
  }

  operations(entityId: string): EntityOpRow[] {
    return this.deps.store.entityOps(entityId);
  }

  backlog(entityId: string): number {
    return this.deps.scheduler.backlog(entityId);
  }

  /**
   * Releases locks held by orchestrations that have ended or are gone, and removes entities that
   * no longer exist (the store keeps such an entity only while it is locked, so one whose lock
   * was released goes too; `removeEmptyEntities` is then always met).
   */
  async clean(releaseOrphanedLocks: boolean): Promise<CleanResult> {
    const result: CleanResult = { numberOfEmptyEntitiesRemoved: 0, numberOfOrphanedLocksRemoved: 0 };
    const woken: string[] = [];
    await this.deps.commits.enqueue(
      () => {
        for (const row of this.deps.store.queryEntities({ includeDeleted: true })) {
          if (!releaseOrphanedLocks || !row.lockedBy || this.deps.isLive(row.lockedBy)) continue;
          this.deps.store.putEntity({ ...row, lockedBy: null, lockId: null });
          result.numberOfOrphanedLocksRemoved++;
          if (!row.exists) result.numberOfEmptyEntitiesRemoved++;
          woken.push(row.entityId);
        }
      },
      () => {
        for (const id of woken) this.deps.scheduler.wake(id);
      },
    );
    return result;
  }
}
