/**
 * Instance SLAs: when each live instance comes due (created + SLA). Instances are watched in
 * creation order, which on one clock is due order, so this is a queue; an instance that ended
 * stays in it until it comes due and is then skipped by the caller.
 */
export interface SlaDue {
  instanceId: string;
  dueAt: number;
}

export class SlaWatch {
  private queue: SlaDue[] = [];
  private head = 0;

  constructor(readonly slaMs: number) {}

  watch(instanceId: string, createdAt: number): void {
    this.queue.push({ instanceId, dueAt: createdAt + this.slaMs });
  }

  /** Removes and returns every entry due at `now`. */
  takeDue(now: number): SlaDue[] {
    const due: SlaDue[] = [];
    while (this.head < this.queue.length) {
      const next = this.queue[this.head] as SlaDue;
      if (next.dueAt > now) break;
      due.push(next);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return due;
  }

  /** When the next entry comes due, if any. */
  get next(): number | undefined {
    return this.queue[this.head]?.dueAt;
  }
}
