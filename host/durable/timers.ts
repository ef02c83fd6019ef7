/**
 * The timer schedule: durable timers are rows with a `fire_at`. Those that came due (up to the
 * clock's now, the watermark) are delivered to their instances as messages; the schedule
 * remembers when the next one is due so the engine can ask the clock to wake it then.
 */
import type { Clock } from './clock';
import type { HistoryEvent } from './history';
import type { Deliver } from './outcome';
import type { Store } from './store';

export class TimerSchedule {
  /** Timers due at or before this time have been delivered. */
  private watermark = 0;
  private nextAt: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly deliver: Deliver,
    /** Asks the clock to wake the engine at the next timer (or SLA); called when that moved. */
    private readonly scheduleWake: () => void,
  ) {}

  /** When the next durable timer is due, if any. */
  get next(): number | undefined {
    return this.nextAt;
  }

  /** At start: every timer in the store that is due now, however old, is delivered. */
  recover(): void {
    this.watermark = Number.NEGATIVE_INFINITY;
    this.loadDue();
  }

  /** A timer an episode committed: delivered at once when already due, else maybe the next one. */
  added(instanceId: string, executionId: string, rowId: number, fireAt: number, ev: HistoryEvent): void {
    if (fireAt <= this.watermark) {
      this.deliver(instanceId, { source: 'timer', rowId, executionId, event: ev });
      return;
    }
    if (this.nextAt === undefined || fireAt < this.nextAt) {
      this.nextAt = fireAt;
      this.scheduleWake();
    }
  }

  /** Delivers the timers that came due since the last call (the clock moved). */
  loadDue(): void {
    const now = this.clock.now();
    for (const t of this.store.dueTimers(this.watermark, now)) {
      this.deliver(t.instanceId, {
        source: 'timer',
        rowId: t.id,
        executionId: t.executionId,
        event: JSON.parse(t.event) as HistoryEvent,
      });
    }
    this.watermark = now;
    this.nextAt = this.store.nextTimerAfter(now);
    this.scheduleWake();
  }
}
