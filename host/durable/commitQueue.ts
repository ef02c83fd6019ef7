/**
 * Group commit. Everything queued in one turn of the event loop is written in one SQLite
 * transaction, and only then are the callers' follow-ups run and their promises resolved.
 *
 * Durability: a batch that acknowledges something to a client (a start, an event, a lifecycle
 * operation) or makes an instance's completion visible is committed with an fsync
 * (`synchronous=FULL`), which also flushes every earlier commit in the WAL. Internal steps
 * between them (an activity's result, an episode that only schedules more work) are committed
 * without one: a crash of the process loses none of them (they are in the WAL), and after a
 * power cut the last of them are replayed from the durable messages that caused them.
 */
import type { Store } from './store';

interface Pending {
  durable: boolean;
  write: () => void;
  after: (() => void) | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class CommitQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;

  constructor(
    private readonly store: Store,
    private readonly onSettled: () => void,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0 && !this.flushing;
  }

  /**
   * Resolves once `write` is committed and `after` has run. `durable: false` marks an internal
   * step that needs no fsync of its own (see above).
   */
  enqueue(write: () => void, after?: () => void, options: { durable?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, after, resolve, reject, durable: options.durable ?? true });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.flushing = true;
    try {
      this.store.setSynchronous(batch.some((p) => p.durable) ? 'FULL' : 'NORMAL');
      this.store.transaction(() => {
        for (const p of batch) p.write();
      });
    } catch (error) {
      this.flushing = false;
      for (const p of batch) p.reject(error);
      this.onSettled();
      return;
    }
    for (const p of batch) {
      try {
        p.after?.();
        p.resolve();
      } catch (error) {
        p.reject(error);
      }
    }
    this.flushing = false;
    this.onSettled();
  }
}
