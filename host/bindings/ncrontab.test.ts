import { describe, expect, it } from 'vitest';
import { CronFormatError, parseCron } from './ncrontab';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `n` occurrences after `from`. */
function occurrences(expression: string, from: string, n: number): Array<string | undefined> {
  const cron = parseCron(expression);
  const out: Array<string | undefined> = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = cron.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('NCRONTAB', () => {
  it('reads six fields, seconds first', () => {
    expect(occurrences('0 */5 * * * *', '2024-03-01T10:02:30Z', 3)).toEqual([
      '2024-03-01T10:05:00.000Z',
      '2024-03-01T10:10:00.000Z',
      '2024-03-01T10:15:00.000Z',
    ]);
    expect(occurrences('5-7 * * * * *', '2024-03-01T10:00:06Z', 3)).toEqual([
      '2024-03-01T10:00:07.000Z',
      '2024-03-01T10:01:05.000Z',
      '2024-03-01T10:01:06.000Z',
    ]);
    expect(occurrences('5,8,10 * * * * *', '2024-03-01T10:00:08Z', 2)).toEqual([
      '2024-03-01T10:00:10.000Z',
      '2024-03-01T10:01:05.000Z',
    ]);
  });

  it('is strictly after the base time, at whole seconds', () => {
    expect(occurrences('0 0 * * * *', '2024-03-01T10:00:00Z', 1)).toEqual(['2024-03-01T11:00:00.000Z']);
    expect(occurrences('0 0 * * * *', '2024-03-01T09:59:59.900Z', 1)).toEqual(['2024-03-01T10:00:00.000Z']);
  });

  it('reads five fields as minutes first, at second 0', () => {
    expect(occurrences('*/15 * * * *', '2024-03-01T10:01:00Z', 2)).toEqual([
      '2024-03-01T10:15:00.000Z',
      '2024-03-01T10:30:00.000Z',
    ]);
  });

  it('takes month and day names and their prefixes, in any case', () => {
    // 9:30 every Monday in January (2024-01-01 is a Monday).
    expect(occurrences('0 30 9 * Jan Mon', '2023-12-31T00:00:00Z', 3)).toEqual([
      '2024-01-01T09:30:00.000Z',
      '2024-01-08T09:30:00.000Z',
      '2024-01-15T09:30:00.000Z',
    ]);
    expect(occurrences('0 0 12 * january monday', '2024-01-29T13:00:00Z', 1)).toEqual([
      '2025-01-06T12:00:00.000Z',
    ]);
    expect(occurrences('0 0 12 * * sat', '2024-03-01T00:00:00Z', 1)).toEqual(['2024-03-02T12:00:00.000Z']);
  });

  it('needs the day of the month and the day of the week both to match', () => {
    // The 13th that is a Friday.
    expect(occurrences('0 0 0 13 * 5', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-09-13T00:00:00.000Z',
      '2024-12-13T00:00:00.000Z',
    ]);
  });

  it('runs weekdays, ranges with steps, a value with a step to the end, and swapped ranges', () => {
    expect(occurrences('0 30 9 * * 1-5', '2024-03-01T10:00:00Z', 2)).toEqual([
      '2024-03-04T09:30:00.000Z',
      '2024-03-05T09:30:00.000Z',
    ]);
    expect(occurrences('0 0 9-17/4 * * *', '2024-03-01T10:00:00Z', 3)).toEqual([
      '2024-03-01T13:00:00.000Z',
      '2024-03-01T17:00:00.000Z',
      '2024-03-02T09:00:00.000Z',
    ]);
    expect(occurrences('0 50/5 * * * *', '2024-03-01T10:00:00Z', 3)).toEqual([
      '2024-03-01T10:50:00.000Z',
      '2024-03-01T10:55:00.000Z',
      '2024-03-01T11:50:00.000Z',
    ]);
    expect(occurrences('0 0 5-3 * * *', '2024-03-01T03:30:00Z', 1)).toEqual(['2024-03-01T04:00:00.000Z']);
  });

  it('skips days a month does not have, and finds leap days', () => {
    expect(occurrences('0 0 0 31 * *', '2024-04-01T00:00:00Z', 2)).toEqual([
      '2024-05-31T00:00:00.000Z',
      '2024-07-31T00:00:00.000Z',
    ]);
    expect(occurrences('0 0 0 29 2 *', '2024-03-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('never occurs when no date matches', () => {
    expect(parseCron('0 0 0 30 2 *').next(at('2024-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('refuses what NCrontab refuses, saying which field and why', () => {
    const bad: Array<[string, RegExp]> = [
      ['* * * *', /six fields/],
      ['0 0 0 0 * * *', /six fields/],
      ['60 * * * * *', /\[Second\].*60 is outside 0-59/],
      ['0 0 24 * * *', /\[Hour\].*outside 0-23/],
      ['0 0 0 0 * *', /\[Day\].*outside 1-31/],
      ['0 0 0 * 13 *', /\[Month\]/],
      ['0 0 0 * * 7', /\[DayOfWeek\].*outside 0-6/],
      ['0 0 0 * Foo *', /not a known name/],
      ['0 0 0 * * Mo1', /not a known name/],
      ['0 1,,2 * * * *', /cannot be empty/],
      ['0 */x * * * *', /step "x"/],
      ['0 1x * * * *', /not a number/],
    ];
    for (const [expression, message] of bad) {
      expect(() => parseCron(expression), expression).toThrow(CronFormatError);
      expect(() => parseCron(expression), expression).toThrow(message);
    }
  });

  it('knows when only the seconds are restricted', () => {
    expect(parseCron('*/10 * * * * *').onlySecondsRestricted).toBe(true);
    expect(parseCron('0 */1 * * * *').onlySecondsRestricted).toBe(true);
    expect(parseCron('0 */5 * * * *').onlySecondsRestricted).toBe(false);
  });
});
