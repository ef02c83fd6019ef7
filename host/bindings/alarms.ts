/**
 * Alarms on the host's clock, for timer triggers. On the real clock an alarm is a timeout. On
 * the virtual clock it goes off once the clock has passed its time, however the clock got there
 * (`clock.advance`, auto-skip, a restart with downtime), noticed within a tenth of a second of
 * real time; it is told its own time, not the clock's, so that a schedule the clock jumped over
 * fires each occurrence in order, at its own time.
 */
import type { Clock } from '../durable/clock';

export interface Alarms {
  /** Calls `ring(at)` once the clock reaches `at`; returns a function that cancels it. */
  at(at: number, ring: (at: number) => void): () => void;
  /** Resolves once the clock reaches `now + ms`. */
  sleep(ms: number): Promise<void>;
  close(): void;
}

/** How often the virtual clock is looked at while an alarm is set on it. */
const VIRTUAL_CHECK_MS = 100;
/** The longest timeout Node keeps (about 24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function alarmsOn(clock: Clock): Alarms {
  return clock.kind === 'real' ? new RealAlarms() : new VirtualAlarms(clock);
}

class RealAlarms implements Alarms {
  private readonly handles = new Set<NodeJS.Timeout>();

  at(at: number, ring: (at: number) => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    const arm = () => {
      const delay = Math.max(0, at - Date.now());
      handle = setTimeout(
        () => {
          if (handle) this.handles.delete(handle);
          if (Date.now() >= at) ring(Date.now());
          else arm();
        },
        Math.min(delay, MAX_TIMEOUT_MS),
      );
      this.handles.add(handle);
    };
    arm();
    return () => {
      if (handle) {
        clearTimeout(handle);
        this.handles.delete(handle);
      }
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(Date.now() + ms, () => resolve()));
  }

  close(): void {
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }
}

class VirtualAlarms implements Alarms {
  private readonly pending = new Set<{ at: number; ring: (at: number) => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly clock: Clock) {}

  at(at: number, ring: (at: number) => void): () => void {
    const alarm = { at, ring };
    this.pending.add(alarm);
    setImmediate(() => this.check());
    this.timer ??= setInterval(() => this.check(), VIRTUAL_CHECK_MS);
    return () => {
      this.pending.delete(alarm);
      this.stopIfIdle();
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.clock.now() + ms, () => resolve()));
  }

  private check(): void {
    const now = this.clock.now();
    const due = [...this.pending].filter((a) => a.at <= now).sort((a, b) => a.at - b.at);
    for (const alarm of due) {
      this.pending.delete(alarm);
      alarm.ring(alarm.at);
    }
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    this.pending.clear();
    this.stopIfIdle();
  }
}
