/**
 * The timer trigger, as the timer extension runs it, on the host's clock:
 * - at start, with the schedule monitor on, a timer whose recorded next occurrence has passed
 *   runs at once with `isPastDue: true`; else, with `runOnStartup`, it runs at once; else it
 *   waits for its next occurrence;
 * - one invocation at a time per function; the next occurrence is counted from the time of the
 *   one that ran (from its own time when it ran a little early), so an occurrence that passed
 *   while the function ran comes at once afterwards, and each one the virtual clock jumped over
 *   comes in turn;
 * - a failure is logged and the schedule goes on; with a `retry` policy the invocation is tried
 *   again first (fixed delay, or exponential backoff from the minimum to the maximum interval);
 * - the function gets `{schedule: {adjustForDST}, scheduleStatus: {last, next, lastUpdated},
 *   isPastDue}`, `scheduleStatus` null when the monitor is off.
 */

import type { Logger } from '../common/log';
import type { Clock } from '../durable/clock';
import type { RegisteredFunction } from '../runtime/core';
import { InvocationError, type Invoker } from '../runtime/invoke';
import type { Alarms } from './alarms';
import type { RetryPolicy } from './indexing';
import type { ScheduleMonitor, ScheduleStatus } from './scheduleMonitor';
import { statusJson } from './scheduleMonitor';
import type { TimerSchedule } from './timerSchedule';

export interface TimerTriggerOptions {
  schedule: TimerSchedule;
  runOnStartup: boolean;
  retry?: RetryPolicy;
  /** Undefined when the schedule monitor is off for this timer. */
  monitor?: ScheduleMonitor;
}

interface Occurrence {
  /** When it ran: the occurrence's own time on the virtual clock, the clock's time otherwise. */
  at: number;
  isPastDue?: boolean;
  runOnStartup?: boolean;
}

export class TimerTriggerListener {
  private status: ScheduleStatus = {};
  private chain: Promise<void> = Promise.resolve();
  private cancelAlarm: (() => void) | undefined;
  private stopped = false;
  /** Ends a wait between retries when the host stops. */
  private readonly stopping: Promise<void>;
  private endWaits: () => void = () => undefined;
  /** The name the status is kept under, as the Functions host names a function's method. */
  private readonly timerName: string;

  constructor(
    private readonly fn: RegisteredFunction,
    private readonly options: TimerTriggerOptions,
    private readonly deps: { invoker: Invoker; clock: Clock; alarms: Alarms; logger: Logger },
  ) {
    this.timerName = `Host.Functions.${fn.name}`;
    this.stopping = new Promise((resolve) => {
      this.endWaits = resolve;
    });
  }

  async start(): Promise<void> {
    const { monitor, schedule, runOnStartup } = this.options;
    const now = this.deps.clock.now();
    let pastDue = false;
    let status: ScheduleStatus | undefined;
    if (monitor) {
      try {
        ({ pastDue, status } = await monitor.checkPastDue(
          this.timerName,
          now,
          schedule,
          await monitor.get(this.timerName),
        ));
      } catch (err) {
        // Storage away at start: the schedule runs, without knowing what it missed.
        this.deps.logger.warn(
          { err, function: this.fn.name },
          'the schedule monitor cannot read the timer status: no past-due check at this start',
        );
      }
    }
    this.status = status ?? { next: schedule.next(now) };
    this.deps.logger.info(
      {
        function: this.fn.name,
        schedule: schedule.text,
        next: this.status.next === undefined ? null : new Date(this.status.next).toISOString(),
        pastDue,
      },
      'timer trigger started',
    );
    if (pastDue) this.runNow({ isPastDue: true });
    else if (runOnStartup) this.runNow({ runOnStartup: true });
    else this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endWaits();
    this.cancelAlarm?.();
    await this.chain;
  }

  private runNow(kind: Omit<Occurrence, 'at'>): void {
    setImmediate(() => this.enqueue({ ...kind, at: this.deps.clock.now() }));
  }

  private arm(): void {
    const next = this.status.next;
    if (this.stopped || next === undefined) return;
    this.cancelAlarm = this.deps.alarms.at(next, (at) => this.enqueue({ at }));
  }

  private enqueue(occurrence: Occurrence): void {
    this.chain = this.chain
      .then(() => this.run(occurrence))
      .catch((err: unknown) =>
        this.deps.logger.error({ err, function: this.fn.name }, 'timer trigger failed'),
      )
      .then(() => this.arm());
  }

  private async run(occurrence: Occurrence): Promise<void> {
    if (this.stopped) return;
    const { schedule, monitor } = this.options;
    const timer = {
      Schedule: { AdjustForDST: schedule.adjustForDST },
      ScheduleStatus: monitor ? statusJson(this.status) : null,
      IsPastDue: occurrence.isPastDue === true,
    };
    await this.invokeWithRetries(JSON.stringify(timer));
    // Ahead of its own time (a timer that went off a little early): counted from its own time,
    // so that the same occurrence is not due again.
    const scheduled = !occurrence.isPastDue && !occurrence.runOnStartup;
    const at =
      scheduled && this.status.next !== undefined && this.status.next > occurrence.at
        ? this.status.next
        : occurrence.at;
    this.status = { last: at, next: schedule.next(at), lastUpdated: at };
    if (monitor) await monitor.update(this.timerName, this.status);
  }

  private async invokeWithRetries(timerJson: string): Promise<void> {
    const retry = this.options.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.invoker.invoke({
          fn: this.fn,
          inputData: [{ name: this.fn.triggerName, data: { json: timerJson } }],
          logFields: { kind: 'timer' },
        });
        return;
      } catch (error) {
        const original = error instanceof InvocationError ? error.original : error;
        this.deps.logger.warn(
          { function: this.fn.name, err: original, attempt },
          'timer-triggered function failed',
        );
        if (!retry || this.stopped || (retry.maxRetryCount >= 0 && attempt >= retry.maxRetryCount)) return;
        const delay =
          retry.strategy === 'fixedDelay'
            ? retry.delayMs
            : Math.min(retry.maximumMs, retry.delayMs * 2 ** attempt);
        await Promise.race([this.deps.alarms.sleep(delay), this.stopping]);
        if (this.stopped) return;
      }
    }
  }
}
