/**
 * NCRONTAB expressions, as the timer trigger reads them (the NCrontab library):
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, or five fields without the seconds.
 * Each field is a list of `*`, `n`, `a-b` (swapped when `a > b`), each optionally `/step`
 * (`n/step` runs from n to the field's end); months and days of the week also by name or by any
 * prefix of one (`Jan`, `mon`). A time matches when every field matches, the day of the month and
 * the day of the week both (not either, as in Unix cron). Times are UTC.
 */
import { HostError } from '../common/errors';
import { DAYS, MONTHS } from './dotnet';

export class CronFormatError extends HostError {
  readonly code = 'BAD_CRON';
  readonly retryable = false;
}

interface FieldSpec {
  kind: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: FieldSpec = { kind: 'Second', min: 0, max: 59 };
const MINUTE: FieldSpec = { kind: 'Minute', min: 0, max: 59 };
const HOUR: FieldSpec = { kind: 'Hour', min: 0, max: 23 };
const DAY: FieldSpec = { kind: 'Day', min: 1, max: 31 };
const MONTH: FieldSpec = {
  kind: 'Month',
  min: 1,
  max: 12,
  names: MONTHS,
};
const DAY_OF_WEEK: FieldSpec = {
  kind: 'DayOfWeek',
  min: 0,
  max: 6,
  names: DAYS,
};

/** The values one field allows. */
class Field {
  readonly allowed: boolean[];

  constructor(
    readonly spec: FieldSpec,
    values: Iterable<number>,
  ) {
    this.allowed = new Array(spec.max + 1).fill(false);
    for (const v of values) this.allowed[v] = true;
  }

  has(value: number): boolean {
    return this.allowed[value] === true;
  }

  /** Every value of the field's range is allowed (it prints as `*`). */
  get full(): boolean {
    for (let v = this.spec.min; v <= this.spec.max; v++) if (!this.allowed[v]) return false;
    return true;
  }
}

export interface CronSchedule {
  readonly expression: string;
  readonly hasSeconds: boolean;
  /** The first matching time strictly after `after` (whole seconds), or undefined if none. */
  next(after: number): number | undefined;
  /** Only seconds are restricted (`x * * * * *`): it may occur more than once a minute. */
  readonly onlySecondsRestricted: boolean;
}

/** How far ahead to look for a match before deciding that a schedule never occurs (28 years repeat the calendar). */
const SEARCH_YEARS = 30;

export function parseCron(expression: string): CronSchedule {
  const tokens = expression.split(' ').filter(Boolean);
  if (tokens.length !== 5 && tokens.length !== 6) {
    throw new CronFormatError(
      `'${expression}' is not a valid CRON expression: it needs six fields (second minute hour day month day-of-week) or five (without the second)`,
    );
  }
  const hasSeconds = tokens.length === 6;
  const specs = hasSeconds
    ? [SECOND, MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK]
    : [MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK];
  const parsed = tokens.map((t, i) => parseField(specs[i] as FieldSpec, t, expression));
  const [seconds, minutes, hours, days, months, daysOfWeek] = hasSeconds
    ? (parsed as [Field, Field, Field, Field, Field, Field])
    : ([new Field(SECOND, [0]), ...parsed] as [Field, Field, Field, Field, Field, Field]);

  return {
    expression,
    hasSeconds,
    onlySecondsRestricted: [minutes, hours, days, months, daysOfWeek].every((f) => f.full),
    next(after: number): number | undefined {
      let t = Math.floor(after / 1000) * 1000 + 1000;
      const limit = Date.UTC(new Date(t).getUTCFullYear() + SEARCH_YEARS, 0, 1);
      while (t < limit) {
        const d = new Date(t);
        const [y, mo, day, h, mi, s] = [
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
        ];
        if (!months.has(mo + 1)) t = Date.UTC(y, mo + 1, 1);
        else if (!days.has(day) || !daysOfWeek.has(d.getUTCDay())) t = Date.UTC(y, mo, day + 1);
        else if (!hours.has(h)) t = Date.UTC(y, mo, day, h + 1);
        else if (!minutes.has(mi)) t = Date.UTC(y, mo, day, h, mi + 1);
        else if (!seconds.has(s)) t += 1000;
        else return t;
      }
      return undefined;
    },
  };
}

function parseField(spec: FieldSpec, text: string, expression: string): Field {
  const fail = (why: string): never => {
    throw new CronFormatError(`'${text}' is not a valid [${spec.kind}] field of '${expression}': ${why}`);
  };
  const values: number[] = [];
  for (const element of text.split(',')) {
    if (element === '') fail('a value cannot be empty');
    let body = element;
    let step: number | undefined;
    const slash = element.indexOf('/');
    if (slash > 0) {
      const stepText = element.slice(slash + 1);
      if (!/^\d+$/.test(stepText)) fail(`the step "${stepText}" is not a number`);
      step = Number(stepText);
      body = element.slice(0, slash);
    }
    let first: number;
    let last: number;
    if (body === '*') {
      [first, last] = [spec.min, spec.max];
    } else if (body.indexOf('-') > 0) {
      const dash = body.indexOf('-');
      [first, last] = [value(spec, body.slice(0, dash), fail), value(spec, body.slice(dash + 1), fail)];
      if (first > last) [first, last] = [last, first];
    } else {
      first = value(spec, body, fail);
      last = step === undefined ? first : spec.max;
    }
    const by = Math.max(step ?? 1, 1);
    for (let v = first; v <= last; v += by) values.push(v);
  }
  return new Field(spec, values);
}

function value(spec: FieldSpec, text: string, fail: (why: string) => never): number {
  if (text === '') return fail('a value cannot be empty');
  let n: number;
  if (/^\d/.test(text)) {
    if (!/^\d+$/.test(text)) return fail(`"${text}" is not a number`);
    n = Number(text);
  } else {
    const i = spec.names?.findIndex((name) => name.toLowerCase().startsWith(text.toLowerCase())) ?? -1;
    if (i < 0) {
      return fail(
        spec.names
          ? `"${text}" is not a known name (one of ${spec.names.join(', ')}, or a prefix of one)`
          : `"${text}" is not a number`,
      );
    }
    n = i + spec.min;
  }
  if (n < spec.min || n > spec.max) fail(`${n} is outside ${spec.min}-${spec.max}`);
  return n;
}
