/**
 * A timer trigger's `schedule`: an NCRONTAB expression, or else a `TimeSpan` (a constant interval
 * between invocations), as the timer extension tells them apart; and whether the schedule
 * monitor is on by default for it.
 */
import { parseTimeSpan } from './dotnet';
import { CronFormatError, type CronSchedule, parseCron } from './ncrontab';

export interface TimerSchedule {
  /** As written (after `%Setting%` resolution), for logs. */
  readonly text: string;
  readonly kind: 'cron' | 'constant';
  /** The next occurrence after `after`; undefined if it never occurs again. */
  next(after: number): number | undefined;
  /** What the timer object's `schedule.adjustForDST` says: true for CRON, false for a TimeSpan. */
  readonly adjustForDST: boolean;
  /**
   * Whether the schedule monitor stays on when `useMonitor` is not turned off: not for schedules
   * that occur more than once a minute (their missed occurrences are not worth a storage write).
   */
  monitorsAt(now: number): boolean;
}

export function parseSchedule(text: string): TimerSchedule {
  let cron: CronSchedule | undefined;
  let cronError: Error | undefined;
  try {
    cron = parseCron(text);
  } catch (error) {
    if (!(error instanceof CronFormatError)) throw error;
    cronError = error;
  }
  if (cron) {
    const schedule = cron;
    return {
      text,
      kind: 'cron',
      adjustForDST: true,
      next: (after) => schedule.next(after),
      monitorsAt(now) {
        if (!schedule.onlySecondsRestricted) return true;
        // `x * * * * *`: more than one occurrence in the coming minute means sub-minute.
        const first = schedule.next(now);
        const second = first === undefined ? undefined : schedule.next(first);
        return second === undefined || second >= now + 60_000;
      },
    };
  }
  const interval = parseTimeSpan(text);
  if (interval === undefined) {
    const fields = text.split(' ').filter(Boolean).length;
    throw new CronFormatError(
      fields >= 5 && cronError
        ? cronError.message
        : `The schedule expression '${text}' was not recognized as a valid cron expression or timespan string`,
    );
  }
  if (interval <= 0) throw new CronFormatError(`The schedule '${text}' is a zero interval`);
  return {
    text,
    kind: 'constant',
    adjustForDST: false,
    next: (after) => after + interval,
    monitorsAt: () => interval >= 60_000,
  };
}
