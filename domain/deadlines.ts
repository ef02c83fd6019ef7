/**
 * Deadlines and reminders, computed deterministically from the time a stage started: plain
 * ISO 8601 durations, or durations counted in business hours / business days of a working week
 * in a time zone. Orchestrators call these with `currentUtcDateTime`, never the wall clock.
 */

import { parse as parseTinyDuration, serialize as serializeTinyDuration } from 'tinyduration';
import { TerminalError } from './errors';

export interface BusinessHours {
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday ... 7 = Sunday. */
  days: number[];
  /** Local working hours, "HH:MM". */
  start: string;
  end: string;
}

export interface DeadlineSpec {
  after: string;
  businessHours?: BusinessHours;
}

export class DeadlineError extends TerminalError {
  readonly code = 'BAD_DEADLINE';
}

export interface Duration {
  days: number;
  ms: number;
}

/**
 * An ISO 8601 duration as whole days plus a time part in milliseconds. tinyduration reads it; a
 * text it would write back differently (`PT1M1H`, `P1DT`, a stray character) is not taken, since
 * its reading is not anchored to the whole text. Years and months are refused (their length is not
 * fixed), as are fractions of a day, which business days cannot count.
 */
export function parseIsoDuration(text: string): Duration {
  const problem = `"${text}" is not an ISO 8601 duration such as "PT4H" or "P2D"`;
  let d: ReturnType<typeof parseTinyDuration>;
  try {
    d = parseTinyDuration(text);
  } catch {
    throw new DeadlineError(problem);
  }
  if (serializeTinyDuration(d) !== text) throw new DeadlineError(problem);
  const signed = d.negative || Object.values(d).some((v) => typeof v === 'number' && v < 0);
  if (signed || d.years || d.months) {
    throw new DeadlineError(`${problem} (no years, months or minus sign)`);
  }
  const days = (d.weeks ?? 0) * 7 + (d.days ?? 0);
  if (!Number.isInteger(days)) throw new DeadlineError(`${problem} (whole days only)`);
  return { days, ms: Math.round(((d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)) * 1000) };
}

export function durationMs(text: string): number {
  const d = parseIsoDuration(text);
  return d.days * 86_400_000 + d.ms;
}

function minutesOf(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59)
    throw new DeadlineError(`"${hhmm}" is not a time like "09:00"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  minutes: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
    } catch {
      throw new DeadlineError(`"${timeZone}" is not an IANA time zone such as "Europe/Berlin"`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function local(ms: number, timeZone: string): LocalParts & { seconds: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    seconds: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday as string] ?? 1,
  };
}

/** The UTC instant of a local wall-clock time in `timeZone` (DST gaps resolve forward). */
function fromLocal(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, 0, minutes);
  let ms = guess;
  for (let i = 0; i < 3; i++) {
    const p = local(ms, timeZone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes, p.seconds);
    const offset = asUtc - ms;
    ms = guess - offset;
  }
  return ms;
}

function nextDay(p: { year: number; month: number; day: number }): {
  year: number;
  month: number;
  day: number;
} {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function weekdayOf(p: { year: number; month: number; day: number }): number {
  const wd = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** When a stage that started at `start` is due. */
export function deadlineAt(start: number, spec: DeadlineSpec): number {
  const duration = parseIsoDuration(spec.after);
  const bh = spec.businessHours;
  if (!bh) return start + duration.days * 86_400_000 + duration.ms;
  const open = minutesOf(bh.start);
  const close = minutesOf(bh.end);
  if (close <= open) throw new DeadlineError(`business hours end ${bh.end} must be after start ${bh.start}`);
  if (bh.days.length === 0) throw new DeadlineError('business hours need at least one working day');

  // Business days: the same local time of day, n working days later (clamped into hours).
  let t = start;
  if (duration.days > 0) {
    const p = local(start, bh.timeZone);
    let date = { year: p.year, month: p.month, day: p.day };
    let left = duration.days;
    while (left > 0) {
      date = nextDay(date);
      if (bh.days.includes(weekdayOf(date))) left--;
    }
    const minutes = Math.min(Math.max(p.minutes, open), close);
    const sameTime = minutes === p.minutes ? p.seconds * 1000 + (((start % 1000) + 1000) % 1000) : 0;
    t = fromLocal(date.year, date.month, date.day, minutes, bh.timeZone) + sameTime;
  }
  // Business hours: count only working minutes.
  let remaining = duration.ms;
  if (remaining === 0) return t;
  for (let guard = 0; guard < 10_000; guard++) {
    const p = local(t, bh.timeZone);
    const date = { year: p.year, month: p.month, day: p.day };
    const working = bh.days.includes(weekdayOf(date));
    const nowMin = p.minutes + p.seconds / 60;
    if (working && nowMin < close) {
      const from = Math.max(nowMin, open);
      const startMs = from === nowMin ? t : fromLocal(date.year, date.month, date.day, open, bh.timeZone);
      const available = (close - from) * 60_000;
      if (remaining <= available) return startMs + remaining;
      remaining -= available;
    }
    const next = nextDay(date);
    t = fromLocal(next.year, next.month, next.day, 0, bh.timeZone);
  }
  throw new DeadlineError('deadline computation did not converge; check the working week');
}

/** Reminder times strictly between `start` and `deadline`, every `every`. */
export function reminderTimes(start: number, deadline: number, every: string | undefined): number[] {
  if (!every) return [];
  const step = durationMs(every);
  if (step <= 0) throw new DeadlineError(`reminder interval "${every}" must be longer than zero`);
  const times: number[] = [];
  for (let t = start + step; t < deadline && times.length < 1000; t += step) times.push(t);
  return times;
}
