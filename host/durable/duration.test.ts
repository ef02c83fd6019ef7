import { describe, expect, it } from 'vitest';
import { DurationFormatError, parseDuration, toTimeSpan } from './duration';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['PT1H', HOUR],
    ['P2D', 2 * DAY],
    ['PT1H30M', HOUR + 30 * 60 * SECOND],
    ['P1W', 7 * DAY],
    ['P1W2D', 9 * DAY],
    ['P1DT2H3M4S', DAY + 2 * HOUR + 3 * 60 * SECOND + 4 * SECOND],
    ['PT0.5S', 500],
    ['PT1.5H', 1.5 * HOUR],
    ['P0.5D', 12 * HOUR],
    ['PT0.0004S', 0],
    ['pt8h', 8 * HOUR],
    ['  PT1M  ', 60 * SECOND],
    ['PT0S', 0],
  ])('reads ISO 8601 %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['6.00:00:00', 6 * DAY],
    ['1:00:00', HOUR],
    ['00:00:30.5', 30.5 * SECOND],
    ['2.03:04:05.1234567', 2 * DAY + 3 * HOUR + 4 * 60 * SECOND + 5 * SECOND + 123],
  ])('reads .NET TimeSpan %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    'P',
    'PT',
    'P1DT',
    '',
    '1H',
    'PT1M1H',
    'P1D2W',
    '-PT1H',
    'P-1D',
    'PT1,5H',
    'PT.5H',
    'xPT1H',
    'PT1Hx',
    'PT1H PT2H',
    'P1H',
    '1:2:3',
    'soon',
  ])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationFormatError);
    expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration`);
  });

  it.each([
    'P1Y',
    'P2M',
    'P1Y2M3D',
    'P1MT1H',
  ])('refuses years and months, whose length varies: %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationFormatError);
    expect(() => parseDuration(text)).toThrow(`"${text}" counts years or months, whose length varies`);
  });

  it('names the input and the expected form', () => {
    expect(() => parseDuration('soon')).toThrow(
      '"soon" is not a duration; use ISO 8601 like "PT1H" or "P2D"',
    );
  });
});

describe('toTimeSpan', () => {
  it.each([
    [0, '0.00:00:00'],
    [6 * DAY, '6.00:00:00'],
    [3 * DAY + 4 * HOUR + 5 * 60 * SECOND + 6 * SECOND + 999, '3.04:05:06'],
  ])('writes %d ms as %j', (ms, text) => {
    expect(toTimeSpan(ms)).toBe(text);
  });
});
