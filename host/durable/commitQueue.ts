/**
 * Group commit. Work that must be durable (an episode's results, an activity's result, a client's
 * start or event) is queued here; everything queued in one turn of the event loop is written in
 * one SQLite transaction, one fsync, and only then are the callers' follow-ups run and their
 * promises resolved. So nothing is acknowledged before it is on disk.
 */
import type { Store } from './store';

interface Pending {
  write: () => void;
  after: (() => void) | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class CommitQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;
  commits = 0;

  constructor(
    private readonly store: Store,
    private readonly onSettled: () => void,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0 && !this.flushing;
  }

  /** Resolves once `write` is committed and `after` has run. */
  enqueue(write: () => void, after?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, after, resolve, reject });
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
      this.store.transaction(() => {
        for (const p of batch) p.write();
      });
      this.commits++;
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
