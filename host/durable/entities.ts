/**
 * Durable entities: what the extension's entity scheduler does for each `@name@key`. Messages to
 * an entity (entityMessages.ts) wait in its mailbox, in the order they were committed; the entity
 * runs one batch at a time: the operations it may take now (all of them while it is unlocked;
 * only its holder's while a critical section holds it), then at most one lock request. The
 * batch goes to the app's entity function in one invocation, with the extension's trigger input
 * (`self`, `exists`, `state`, `batch`), and its answer (`entityExists`, `entityState`,
 * `results`, `signals`) is committed in one transaction with the consumed messages, the answers
 * to callers, the signals the operations sent, lock grants and the operation log. A crash before
 * that commit runs the batch again from the same state, so an operation's effect on the state is
 * applied exactly once.
 *
 * An operation that throws fails only itself: its error goes to its caller, and the batch's
 * state is what the SDK returns after the whole batch, as the extension takes it from an
 * out-of-process worker. So a change an operation made before it threw stays, and so do the
 * signals it sent (the extension rolls back only .NET in-process entities).
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Logger } from '../common/log';
import { activeTracer, contextFrom, endSpan, traceParentOf } from '../common/telemetry';
import type { FunctionRegistry, RegisteredFunction } from '../runtime/core';
import { InvocationError, type Invoker } from '../runtime/invoke';
import type { CommitQueue } from './commitQueue';
import {
  type EntityRef,
  entityIdOf,
  LOCK_ACQUIRED,
  newRequestId,
  operationEvent,
  parseEntityId,
  type RequestMessage,
  readEntityMessage,
  responseEvent,
} from './entityMessages';
import { deleteSource } from './episodeCommit';
import { type HistoryEvent, iso } from './history';
import type { Deliver, PendingMessage } from './outcome';
import type { EntityOpRow, EntityRow } from './rows';
import type { Store } from './store';

/** At most this many operations go to the entity function in one invocation. */
const MAX_BATCH = 50;

export interface EntityDeps {
  store: Store;
  commits: CommitQueue;
  registry: FunctionRegistry;
  invoker: Invoker;
  logger: Logger;
  now(): number;
  /** Hands a message to an orchestration's (or an entity's) mailbox. */
  deliver: Deliver;
  /** Whether this execution of an orchestration is still running (a lock for an ended one is not granted). */
  isLive(instanceId: string, executionId: string | undefined): boolean;
  maxConcurrent: number;
  settled(): void;
}

/** What the SDK's entity handler returns. */
interface EntityBatchResult {
  entityExists: boolean;
  entityState?: string | null;
  results: Array<{ isError: boolean; result?: string; duration?: number; startTime?: number }>;
  signals: Array<{ target: EntityRef; name: string; input?: string; requestId?: string }>;
}

interface OpResult {
  isError: boolean;
  result: string | undefined;
  durationMs: number;
}

interface Outgoing {
  instanceId: string;
  executionId: string | null;
  event: HistoryEvent;
}

export class EntityScheduler {
  private readonly pending = new Map<string, PendingMessage[]>();
  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  /** Entities that received messages while running a batch: they look again when it ends. */
  private readonly arrived = new Set<string>();
  private pumpScheduled = false;
  private closed = false;

  constructor(private readonly deps: EntityDeps) {}

  get idle(): boolean {
    return this.ready.size === 0 && this.running.size === 0 && !this.pumpScheduled;
  }

  close(): void {
    this.closed = true;
  }

  push(entityId: string, message: PendingMessage): void {
    let list = this.pending.get(entityId);
    if (!list) {
      list = [];
      this.pending.set(entityId, list);
    }
    list.push(message);
    if (this.running.has(entityId)) this.arrived.add(entityId);
    else this.ready.add(entityId);
    this.schedulePump();
  }

  /** Makes an entity look at its mailbox again (a lock was released by cleaning storage). */
  wake(entityId: string): void {
    if (!this.pending.get(entityId)?.length) return;
    if (this.running.has(entityId)) this.arrived.add(entityId);
    else this.ready.add(entityId);
    this.schedulePump();
  }

  /** How many messages wait for the entity (blocked behind a lock, or not yet run). */
  backlog(entityId: string): number {
    return this.pending.get(entityId)?.length ?? 0;
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    for (const id of this.ready) {
      if (this.running.size >= this.deps.maxConcurrent) break;
      this.ready.delete(id);
      if (this.running.has(id) || !this.pending.get(id)?.length) continue;
      this.running.add(id);
      void this.batch(id)
        .catch((err: unknown) => {
          // Nothing of the batch was committed: its messages are still there; try again shortly.
          this.deps.logger.error(
            { err, entityId: id },
            'entity batch failed in the host; trying again in 1 s',
          );
          setTimeout(() => this.wake(id), 1000).unref();
        })
        .finally(() => {
          this.running.delete(id);
          if (this.arrived.delete(id)) this.ready.add(id);
          this.schedulePump();
        });
    }
    this.deps.settled();
  }

  private async batch(entityId: string): Promise<void> {
    const { deps } = this;
    const messages = [...(this.pending.get(entityId) ?? [])];
    const ref = parseEntityId(entityId) ?? { name: entityId, key: '' };
    const before: EntityRow = deps.store.getEntity(entityId) ?? {
      entityId,
      name: ref.name,
      key: ref.key,
      exists: false,
      state: null,
      lockedBy: null,
      lockId: null,
      lastOperationAt: 0,
    };
    const plan = planBatch(before, messages, deps.isLive);
    if (plan.consumed.length === 0) return; // everything waits for a lock to be released

    const now = deps.now();
    const row: EntityRow = { ...before, lockedBy: plan.lockedBy, lockId: plan.lockId };
    const outgoing: Outgoing[] = [];
    const log: Array<Omit<EntityOpRow, 'entityId'>> = [];
    if (plan.ops.length > 0) {
      const ran = await this.invoke(ref, before.exists, before.state, plan.ops);
      row.exists = ran.exists;
      row.state = ran.exists ? ran.state : null;
      row.lastOperationAt = now;
      plan.ops.forEach((request, i) => {
        const result = ran.results[i] as OpResult;
        log.push({
          at: now,
          operation: request.op ?? '',
          signal: request.signal === true,
          parent: request.parent ?? null,
          failed: result.isError,
          detail: result.isError ? (result.result ?? null) : null,
          durationMs: result.durationMs,
        });
        if (request.signal || !request.parent) return;
        outgoing.push({
          instanceId: request.parent,
          executionId: request.parentExecution ?? null,
          event: responseEvent(
            request.id,
            result.isError
              ? { result: result.result ?? 'null', exceptionType: 'Error' }
              : { result: result.result ?? undefined },
            now,
          ),
        });
      });
      for (const signal of ran.signals) {
        const target = entityIdOf(signal.target.name, signal.target.key);
        const request: RequestMessage = {
          op: signal.name,
          signal: true,
          ...(signal.input ? { input: signal.input } : {}),
          id: newRequestId(),
          parent: entityId,
          timestamp: iso(now),
        };
        outgoing.push({ instanceId: target, executionId: null, event: operationEvent(request, now) });
      }
    }
    if (plan.lock) {
      const request = plan.lock;
      const set = request.lockset ?? [];
      const pos = (request.pos ?? 0) + 1;
      const next = set[pos];
      if (next) {
        outgoing.push({
          instanceId: entityIdOf(next.name, next.key),
          executionId: null,
          event: operationEvent({ ...request, pos }, now),
        });
      } else if (request.parent) {
        outgoing.push({
          instanceId: request.parent,
          executionId: request.parentExecution ?? null,
          event: responseEvent(request.id, { result: LOCK_ACQUIRED }, now),
        });
      }
    }

    const delivered: Array<{ instanceId: string; message: PendingMessage }> = [];
    await deps.commits.enqueue(
      () => {
        for (const m of plan.consumed) deleteSource(deps.store, m);
        deps.store.putEntity(row);
        deps.store.addEntityOps(entityId, log);
        for (const o of outgoing) {
          const rowId = deps.store.addMessage(o.instanceId, o.executionId, JSON.stringify(o.event));
          delivered.push({
            instanceId: o.instanceId,
            message: { source: 'message', rowId, executionId: o.executionId, event: o.event },
          });
        }
      },
      () => {
        const consumed = new Set(plan.consumed);
        const left = (this.pending.get(entityId) ?? []).filter((m) => !consumed.has(m));
        if (left.length > 0) {
          this.pending.set(entityId, left);
          this.ready.add(entityId);
        } else {
          this.pending.delete(entityId);
        }
        for (const d of delivered) deps.deliver(d.instanceId, d.message);
      },
      { durable: false },
    );
  }

  private async invoke(
    ref: EntityRef,
    exists: boolean,
    state: string | null,
    ops: RequestMessage[],
  ): Promise<{
    exists: boolean;
    state: string | null;
    results: OpResult[];
    signals: EntityBatchResult['signals'];
  }> {
    const failAll = (message: string) => ({
      exists,
      state,
      results: ops.map(() => ({ isError: true, result: JSON.stringify(message), durationMs: 0 })),
      signals: [],
    });
    const fn = entityFunction(this.deps.registry, ref.name);
    if (!fn) return failAll(`No entity function named '${ref.name}' is registered in the app`);
    const payload = JSON.stringify({
      self: { name: ref.name, key: ref.key },
      exists,
      state,
      batch: ops.map((op) => ({
        id: op.id,
        name: op.op ?? '',
        signal: op.signal === true,
        ...(op.input !== undefined ? { input: op.input } : {}),
      })),
    });
    let answer: EntityBatchResult;
    const entityId = entityIdOf(ref.name, ref.key);
    // One span per batch, in the trace of its first operation's sender.
    const span = activeTracer()?.startSpan(
      `entity ${fn.name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'durable.entity.id': entityId,
          'durable.entity.operations': ops.map((op) => op.op ?? '').join(','),
        },
      },
      contextFrom(ops[0]?.parentTraceContext),
    );
    try {
      const request = {
        fn,
        inputData: [{ name: fn.triggerName, data: { json: payload } }],
        traceParent: span ? traceParentOf(span) : ops[0]?.parentTraceContext?.TraceParent,
        logFields: { entityId, kind: 'entity', operations: ops.length },
      };
      const { response } = await (span
        ? context.with(trace.setSpan(context.active(), span), () => this.deps.invoker.invoke(request))
        : this.deps.invoker.invoke(request));
      const json = response.returnValue?.json ?? response.returnValue?.string;
      if (!json) {
        if (span) endSpan(span, 'failed', 'no result');
        return failAll(`Entity function '${fn.name}' returned no result`);
      }
      answer = JSON.parse(json) as EntityBatchResult;
    } catch (error) {
      const message = error instanceof InvocationError ? error.message : String(error);
      if (span) endSpan(span, 'failed', error);
      if (!(error instanceof InvocationError)) {
        this.deps.logger.error({ err: error, entity: ref }, 'entity batch failed in the host');
      }
      return failAll(`Entity function '${fn.name}' failed: ${message}`);
    }
    if (span) {
      const failed = Array.isArray(answer.results) ? answer.results.filter((r) => r?.isError).length : 0;
      span.setAttribute('durable.entity.failed', failed);
      endSpan(span, failed > 0 ? 'failed' : 'completed');
    }
    if (!Array.isArray(answer.results) || answer.results.length !== ops.length) {
      return failAll(
        `Entity function '${fn.name}' returned ${answer.results?.length ?? 0} results for ${ops.length} operations`,
      );
    }
    return {
      exists: answer.entityExists === true,
      state: answer.entityExists ? (answer.entityState ?? null) : null,
      results: answer.results.map((r) => ({
        isError: r.isError === true,
        result: typeof r.result === 'string' ? r.result : undefined,
        durationMs: typeof r.duration === 'number' ? r.duration : 0,
      })),
      signals: Array.isArray(answer.signals) ? answer.signals : [],
    };
  }
}

export function entityFunction(registry: FunctionRegistry, name: string): RegisteredFunction | undefined {
  const fn = registry.get(name);
  return fn?.trigger.type === 'entityTrigger' ? fn : undefined;
}

interface BatchPlan {
  /** Every message this batch takes out of the mailbox. */
  consumed: PendingMessage[];
  ops: RequestMessage[];
  /** A lock request granted at the end of the batch. */
  lock: RequestMessage | undefined;
  lockedBy: string | null;
  lockId: string | null;
}

/**
 * Which messages the entity takes now, in order: operations while it is unlocked or from its lock
 * holder, releases, and one lock request that ends the batch. Messages from others wait while it
 * is locked; a release ends the batch, so that what waited goes first in the next one.
 */
export function planBatch(
  row: EntityRow,
  messages: PendingMessage[],
  isLive: EntityDeps['isLive'],
): BatchPlan {
  const plan: BatchPlan = {
    consumed: [],
    ops: [],
    lock: undefined,
    lockedBy: row.lockedBy,
    lockId: row.lockId,
  };
  for (const m of messages) {
    const msg = readEntityMessage(m.event);
    if (msg.kind === 'unknown') {
      plan.consumed.push(m);
      continue;
    }
    if (msg.kind === 'release') {
      plan.consumed.push(m);
      if (plan.lockedBy !== null && plan.lockedBy === msg.release.parent) {
        plan.lockedBy = null;
        plan.lockId = null;
        break;
      }
      continue;
    }
    const parent = msg.request.parent ?? null;
    if (plan.lockedBy !== null && parent !== plan.lockedBy) continue;
    if (msg.kind === 'operation') {
      plan.consumed.push(m);
      plan.ops.push(msg.request);
      if (plan.ops.length >= MAX_BATCH) break;
      continue;
    }
    plan.consumed.push(m);
    // A lock for an orchestration that has ended would never be released: it is not granted.
    if (!parent || !isLive(parent, msg.request.parentExecution)) continue;
    plan.lock = msg.request;
    plan.lockedBy = parent;
    plan.lockId = msg.request.id;
    break;
  }
  return plan;
}
