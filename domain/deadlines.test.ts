import { describe, expect, it } from 'vitest';
import { DeadlineError, deadlineAt, parseIsoDuration, reminderTimes } from './deadlines';

const berlin = { timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
const at = (iso: string) => Date.parse(iso);

describe('deadlineAt', () => {
  it('adds a plain ISO duration', () => {
    expect(deadlineAt(at('2026-11-23T10:00:00Z'), { after: 'P2D' })).toBe(at('2026-11-25T10:00:00Z'));
    expect(deadlineAt(at('2026-11-23T10:00:00Z'), { after: 'PT90M' })).toBe(at('2026-11-23T11:30:00Z'));
  });

  it('counts business days across a weekend, at the same local time', () => {
    // Friday 27 Nov 2026, 15:00 in Berlin (UTC+1): three working days later is Wednesday.
    expect(deadlineAt(at('2026-11-27T14:00:00Z'), { after: 'P3D', businessHours: berlin })).toBe(
      at('2026-12-02T14:00:00Z'),
    );
  });

  it('counts business hours only inside working hours, skipping the weekend', () => {
    // Friday 16:00 Berlin + 4 working hours: 1 h on Friday, 3 h from Monday 09:00 → Monday 12:00.
    expect(deadlineAt(at('2026-11-27T15:00:00Z'), { after: 'PT4H', businessHours: berlin })).toBe(
      at('2026-11-30T11:00:00Z'),
    );
  });

  it('starts counting at opening time when a request arrives at night', () => {
    // Saturday 23:00 Berlin + 2 working hours → Monday 11:00 Berlin.
    expect(deadlineAt(at('2026-11-28T22:00:00Z'), { after: 'PT2H', businessHours: berlin })).toBe(
      at('2026-11-30T10:00:00Z'),
    );
  });

  it('follows daylight saving time in the zone', () => {
    // Friday 27 Mar 2026 16:00 CET; Monday 30 Mar is CEST (UTC+2): +2 h → Monday 10:00 CEST.
    expect(deadlineAt(at('2026-03-27T15:00:00Z'), { after: 'PT2H', businessHours: berlin })).toBe(
      at('2026-03-30T08:00:00Z'),
    );
  });

  it('is deterministic', () => {
    const spec = { after: 'P1DT3H', businessHours: berlin };
    const start = at('2026-11-26T16:30:00Z');
    expect(deadlineAt(start, spec)).toBe(deadlineAt(start, spec));
  });

  it('names bad input', () => {
    expect(() => parseIsoDuration('2 days')).toThrow(DeadlineError);
    for (const bad of ['PT1M1H', 'P1DT', 'xP1D', 'P1D ', '-P1D', 'P-1D', 'P1Y', 'P1M', 'P1.5D', 'P', 'PT']) {
      expect(() => parseIsoDuration(bad), bad).toThrow(DeadlineError);
    }
    expect(parseIsoDuration('P1W2DT3H30M')).toEqual({ days: 9, ms: (3 * 3600 + 30 * 60) * 1000 });
    expect(parseIsoDuration('PT0.5S')).toEqual({ days: 0, ms: 500 });
    expect(() =>
      deadlineAt(0, { after: 'PT1H', businessHours: { ...berlin, timeZone: 'Mars/Olympus' } }),
    ).toThrow(/Mars\/Olympus/);
    expect(() => deadlineAt(0, { after: 'PT1H', businessHours: { ...berlin, start: '18:00' } })).toThrow(
      /after start/,
    );
  });
});

describe('reminderTimes', () => {
  it('lists reminders strictly before the deadline', () => {
    const start = at('2026-11-23T10:00:00Z');
    expect(reminderTimes(start, start + 2 * 86_400_000, 'PT24H')).toEqual([start + 86_400_000]);
    expect(reminderTimes(start, start + 86_400_000, undefined)).toEqual([]);
  });
});
