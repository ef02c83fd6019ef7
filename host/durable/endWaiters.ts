/**
 * Clients waiting for an instance to end (the start-and-wait API): each waits until the engine
 * reports the instance ended or its timeout passes, whichever comes first.
 */
export class EndWaiters {
  private readonly waiters = new Map<string, Array<() => void>>();

  /**
   * Resolves true when the instance has ended, at once if `hasEnded()` says so already, or false
   * when `timeoutMs` passes first (real time: a client is waiting).
   */
  wait(instanceId: string, timeoutMs: number, hasEnded: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const list = this.waiters.get(instanceId) ?? [];
      const timer = setTimeout(
        () => {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0 && this.waiters.get(instanceId) === list) this.waiters.delete(instanceId);
          resolve(false);
          // Node's timers hold at most 2^31-1 ms (~24.8 days); longer would fire at once.
        },
        Math.min(timeoutMs, 2 ** 31 - 1),
      );
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      list.push(done);
      this.waiters.set(instanceId, list);
      if (hasEnded()) this.ended(instanceId);
    });
  }

  /** The instance ended (or may have): everyone waiting for it is answered. */
  ended(instanceId: string): void {
    const list = this.waiters.get(instanceId);
    if (!list) return;
    this.waiters.delete(instanceId);
    for (const resolve of list) resolve();
  }
}
