/**
 * The activity queue: activity work runs up to `maxConcurrentActivities` at a time, and each
 * result is committed (as a message to its instance, with its work row deleted) before the
 * orchestrator sees it. The built-in activity of durable HTTP runs in the host (durableHttp.ts),
 * every other activity in the app. It also counts each instance's activities queued or running,
 * which the scheduler uses to batch the results of a fan-out.
 */
import { SpanKind } from '@opentelemetry/api';
import { activeTracer, contextFrom, endSpan, traceParentOf } from '../common/telemetry';
import type { InstanceCache } from './cache';
import type { CommitQueue } from './commitQueue';
import { HTTP_ACTIVITY, runHttpActivity } from './durableHttp';
import { EventType, type HistoryEvent } from './history';
import { type InvocationDeps, invokeActivity } from './invocations';
import type { Deliver } from './outcome';
import type { WorkRow } from './rows';
import type { Store } from './store';

export class ActivityQueue {
  private readonly queue: WorkRow[] = [];
  /** Activities queued or running, per instance. */
  private readonly outstanding = new Map<string, number>();
  private inFlight = 0;

  constructor(
    private readonly store: Store,
    private readonly commits: CommitQueue,
    private readonly cache: InstanceCache,
    private readonly invocations: InvocationDeps,
    private readonly maxConcurrent: number,
    private readonly deliver: Deliver,
    /** Called when an activity finished, so the engine can tell whether it is idle. */
    private readonly settled: () => void,
    /**
     * Whether the instance's next episode would start on this result at once (see {@link run});
     * none: every result is committed first.
     */
    private readonly runsAtOnce?: (instanceId: string) => boolean,
  ) {}

  /** Nothing queued or running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  /** How many activities of the instance are queued or running. */
  outstandingOf(instanceId: string): number {
    return this.outstanding.get(instanceId) ?? 0;
  }

  add(rows: WorkRow[]): void {
    for (const w of rows) {
      this.queue.push(w);
      this.track(w.instanceId, 1);
    }
  }

  /** The instance ended: its queued activities will not run (their rows were dropped with it). */
  dropQueued(instanceId: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]?.instanceId === instanceId) {
        this.queue.splice(i, 1);
        this.track(instanceId, -1);
      }
    }
  }

  /** Starts queued activities while there is room. */
  pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const work = this.queue.shift() as WorkRow;
      this.inFlight++;
      void this.run(work).finally(() => {
        this.inFlight--;
        this.pump();
        this.settled();
      });
    }
  }

  private async run(work: WorkRow): Promise<void> {
    const traceContext = this.cache.traceContextOf(work.instanceId);
    const ev =
      work.name === HTTP_ACTIVITY
        ? await this.runHttp(work, traceContext)
        : await invokeActivity(this.invocations, work, traceContext);
    // The result that lets its orchestrator go on at once (the instance is idle and waits for
    // nothing else of the queue) goes straight to its episode, which deletes the work row in its
    // own commit with the history that records the result: one transaction a step instead of
    // two. Until that commit the work row stays, so a crash runs the activity again, as it would
    // have before the result was committed. Any other result is committed first, as a message.
    if (this.outstandingOf(work.instanceId) === 1 && this.runsAtOnce?.(work.instanceId)) {
      this.track(work.instanceId, -1);
      this.deliver(work.instanceId, {
        source: 'work',
        rowId: work.id,
        executionId: work.executionId,
        event: ev,
      });
      return;
    }
    let id = 0;
    await this.commits.enqueue(
      () => {
        this.store.deleteWork(work.id);
        id = this.store.addMessage(work.instanceId, work.executionId, JSON.stringify(ev));
      },
      () => {
        this.track(work.instanceId, -1);
        this.deliver(work.instanceId, {
          source: 'message',
          rowId: id,
          executionId: work.executionId,
          event: ev,
        });
      },
      // An activity's result is an internal step: the work row stays until it commits.
      { durable: false },
    );
  }

  /** The built-in HTTP activity, in its span when telemetry is on (its traceparent sent along). */
  private async runHttp(
    work: WorkRow,
    traceContext: HistoryEvent['ParentTraceContext'],
  ): Promise<HistoryEvent> {
    const span = activeTracer()?.startSpan(
      `activity ${HTTP_ACTIVITY}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'durable.instance.id': work.instanceId,
          'durable.execution.id': work.executionId,
          'durable.task.id': work.taskId,
        },
      },
      contextFrom(traceContext),
    );
    const ev = await runHttpActivity(
      work,
      () => this.invocations.now(),
      span ? traceParentOf(span) : undefined,
    );
    if (span) endSpan(span, ev.EventType === EventType.TaskCompleted ? 'completed' : 'failed');
    return ev;
  }

  private track(instanceId: string, delta: number): void {
    const n = (this.outstanding.get(instanceId) ?? 0) + delta;
    if (n <= 0) this.outstanding.delete(instanceId);
    else this.outstanding.set(instanceId, n);
  }
}
