/**
 * The one clock all durable waiting goes through. {@link RealClock} follows wall time;
 * {@link VirtualClock} only moves when told to (`advance`) or, with auto-skip on, jumps to the
 * next due timer whenever the host has nothing else to do.
 */

export interface Clock {
  readonly kind: 'real' | 'virtual';
  now(): number;
  /** Calls `wake` at (or after) `at`; a later call replaces the earlier one. */
  wakeAt(at: number | undefined, wake: () => void): void;
  close(): void;
}

const MAX_TIMEOUT = 2 ** 31 - 1;

export class RealClock implements Clock {
  readonly kind = 'real';
  private handle: NodeJS.Timeout | undefined;

  now(): number {
    return Date.now();
  }

  wakeAt(at: number | undefined, wake: () => void): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    if (at === undefined) return;
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMEOUT);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      if (Date.now() >= at) wake();
      else this.wakeAt(at, wake);
    }, delay);
    this.handle.unref?.();
  }

  close(): void {
    if (this.handle) clearTimeout(this.handle);
  }
}

export class VirtualClock implements Clock {
  readonly kind = 'virtual';
  autoSkip: boolean;
  private current: number;
  private pendingWake: { at: number; wake: () => void } | undefined;

  constructor(options: { start?: number; autoSkip?: boolean } = {}) {
    this.current = options.start ?? Date.now();
    this.autoSkip = options.autoSkip ?? false;
  }

  now(): number {
    return this.current;
  }

  wakeAt(at: number | undefined, wake: () => void): void {
    this.pendingWake = at === undefined ? undefined : { at, wake };
    if (at !== undefined && at <= this.current) setImmediate(() => this.fireIfDue());
  }

  /** Moves time forward by `ms`, firing whatever comes due. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a virtual clock only moves forward');
    this.current += ms;
    this.fireIfDue();
    return this.current;
  }

  /** Jumps to the next due timer, if any; returns whether time moved. */
  skipToNext(): boolean {
    const next = this.pendingWake;
    if (!next) return false;
    if (next.at > this.current) this.current = next.at;
    this.fireIfDue();
    return true;
  }

  private fireIfDue(): void {
    const next = this.pendingWake;
    if (next && next.at <= this.current) {
      this.pendingWake = undefined;
      next.wake();
    }
  }

  close(): void {
    this.pendingWake = undefined;
  }
}
