/**
 * Episode scheduling: the pending messages of every instance (its mailbox), and the pump that
 * runs an episode for each ready instance with all of its messages, never two episodes of one
 * instance at once and at most `maxConcurrentOrchestrations` together. An episode's outcome is
 * committed before the instance can run again; a failure of the host itself fails the instance.
 * A fan-out's results wait to share an episode while the orchestrator provably cannot see them
 * (batching.ts).
 */
import { type Span, SpanKind } from '@opentelemetry/api';
import type { Logger } from '../common/log';
import { activeTracer, contextFrom, endSpan, traceParentOf } from '../common/telemetry';
import { ResultBatching } from './batching';
import type { Clock } from './clock';
import { heldLockOf } from './entityActions';
import { isEntityId, releaseEvent } from './entityMessages';
import { runEpisode } from './episode';
import { commitEpisode, deleteSource, type EpisodeCommitDeps, type Mailbox } from './episodeCommit';
import { EventType } from './history';
import { InstanceState } from './instance';
import { type InvocationDeps, invokeOrchestrator } from './invocations';
import type { Deliver, EpisodeOutcome, EpisodeSettings, PendingMessage } from './outcome';
import { TERMINAL_STATUSES } from './rows';

export interface SchedulerDeps extends EpisodeCommitDeps {
  clock: Clock;
  logger: Logger;
  invocations: InvocationDeps;
  settings: EpisodeSettings;
  maxConcurrentOrchestrations: number;
  /** Called whenever the pump ran, so the engine can tell whether it is idle. */
  settled(): void;
}

export class EpisodeScheduler implements Mailbox {
  private readonly pending = new Map<string, PendingMessage[]>();
  /** Messages a suspended instance set aside; they run again only when something new arrives. */
  private readonly held = new Map<string, PendingMessage[]>();
  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  private pumpScheduled = false;
  private closed = false;
  private readonly batching = new ResultBatching();
  /** Where messages to entities (`@name@key`) go (entities.ts). */
  entities: Deliver | undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  /**
   * No instance ready or in an episode, and no pump on its way. (An instance holding results
   * has activities out, so the activity queue is not idle meanwhile.)
   */
  get idle(): boolean {
    return this.ready.size === 0 && this.running.size === 0 && !this.pumpScheduled;
  }

  isRunning(instanceId: string): boolean {
    return this.running.has(instanceId);
  }

  /**
   * Whether a message for the instance would go into an episode at the next pump: it is cached,
   * running (not suspended or ended), in no episode now, and has no messages set aside.
   */
  runsAtOnce(instanceId: string): boolean {
    return (
      !this.closed &&
      !this.running.has(instanceId) &&
      !this.held.has(instanceId) &&
      this.deps.cache.peek(instanceId)?.row.status === 'Running'
    );
  }

  close(): void {
    this.closed = true;
  }

  push(instanceId: string, message: PendingMessage): void {
    if (this.entities && isEntityId(instanceId)) {
      this.entities(instanceId, message);
      return;
    }
    let list = this.pending.get(instanceId);
    if (!list) {
      list = [];
      this.pending.set(instanceId, list);
    }
    const held = this.held.get(instanceId);
    if (held) {
      this.held.delete(instanceId);
      list.unshift(...held);
      this.batching.taken(instanceId);
    }
    list.push(message);
    if (!this.running.has(instanceId)) this.ready.add(instanceId);
    this.schedulePump();
  }

  hold(instanceId: string, messages: PendingMessage[]): void {
    // Held messages alone must not make the instance ready again (that would spin while it is
    // suspended); they go back in line ahead of whatever arrives next.
    const list = this.pending.get(instanceId);
    if (list?.length) this.pending.set(instanceId, [...messages, ...list]);
    else this.held.set(instanceId, messages);
  }

  /** Forgets the messages in memory of an instance that was purged or started anew. */
  forget(instanceId: string): void {
    this.pending.delete(instanceId);
    this.held.delete(instanceId);
    this.batching.taken(instanceId);
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  pump(): void {
    if (this.closed) return;
    for (const id of this.ready) {
      if (this.running.size >= this.deps.maxConcurrentOrchestrations) break;
      this.ready.delete(id);
      if (this.running.has(id)) continue;
      const messages = this.pending.get(id);
      if (!messages || messages.length === 0) continue;
      const state = this.deps.cache.peek(id);
      if (this.batching.hold(id, state, messages, this.deps.activities.outstandingOf(id))) continue;
      this.batching.taken(id);
      this.pending.delete(id);
      this.running.add(id);
      void this.episode(id, messages);
    }
    this.deps.activities.pump();
    // An episode's commit settles before the episode leaves `running`; this pump is the first
    // point where the engine can be idle again, so idle waiters (clock.advance) are told here.
    this.deps.settled();
  }

  private async episode(instanceId: string, messages: PendingMessage[]): Promise<void> {
    const { deps } = this;
    let outcome: EpisodeOutcome | undefined;
    const state = deps.cache.load(instanceId);
    let span: Span | undefined;
    try {
      if (!state) {
        // Messages for an instance that was purged: drop them.
        await deps.commits.enqueue(() => {
          for (const m of messages) deleteSource(deps.store, m);
        });
        return;
      }
      const traceContext =
        state.traceContext ??
        messages.find((m) => m.event.EventType === EventType.ExecutionStarted)?.event.ParentTraceContext;
      span = activeTracer()?.startSpan(
        `orchestration ${state.row.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'durable.instance.id': instanceId,
            'durable.execution.id': state.row.executionId,
            'durable.replay.length': state.history.length,
            'durable.messages': messages.length,
          },
        },
        contextFrom(traceContext),
      );
      const traceParent = span ? traceParentOf(span) : traceContext?.TraceParent;
      outcome = await runEpisode(state, messages, deps.clock.now(), deps.settings, (payload) =>
        invokeOrchestrator(deps.invocations, state.row, payload, traceParent, span),
      );
      await commitEpisode(deps, this, state, outcome);
      if (span) endSpan(span, outcome.row.status);
      if (outcome.finalFailures.length > 0) deps.alerts.activitiesFailed(outcome.row, outcome.finalFailures);
    } catch (error) {
      if (span) endSpan(span, 'host-error', error);
      deps.logger.error(
        { instanceId, err: error },
        'orchestration episode failed in the host; instance marked Failed',
      );
      deps.cache.delete(instanceId);
      await this.failInstance(instanceId, messages, error).catch((err: unknown) =>
        deps.logger.fatal({ instanceId, err }, 'could not record the failure of an instance'),
      );
    } finally {
      this.running.delete(instanceId);
      if (this.pending.get(instanceId)?.length) this.ready.add(instanceId);
      this.schedulePump();
    }
  }

  private async failInstance(instanceId: string, messages: PendingMessage[], error: unknown): Promise<void> {
    const { store } = this.deps;
    const row = store.getInstance(instanceId);
    const now = this.deps.clock.now();
    // A critical section it holds is released, as when an orchestrator fails.
    const held = row ? heldLockOf(InstanceState.load(row, store.history(instanceId), []).ledger) : undefined;
    const released: Array<{ target: string; message: PendingMessage }> = [];
    await this.deps.commits.enqueue(
      () => {
        for (const m of messages) deleteSource(store, m);
        if (row && !TERMINAL_STATUSES.has(row.status)) {
          const message = error instanceof Error ? error.message : String(error);
          store.putInstance({
            ...row,
            status: 'Failed',
            output: JSON.stringify(`The host could not run orchestrator '${row.name}': ${message}`),
            updatedAt: now,
          });
          store.dropPendingWork(instanceId);
          for (const target of held?.lockSet ?? []) {
            const ev = releaseEvent({ parent: instanceId, id: held?.requestId ?? '' }, now);
            const rowId = store.addMessage(target, null, JSON.stringify(ev));
            released.push({ target, message: { source: 'message', rowId, executionId: null, event: ev } });
          }
        }
      },
      () => {
        for (const r of released) this.push(r.target, r.message);
      },
    );
    this.deps.endWaiters.ended(instanceId);
  }
}
