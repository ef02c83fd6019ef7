/** Durations as users write them: ISO 8601 (`P2D`, `PT1H30M`) or .NET TimeSpan (`6.00:00:00`). */
import { type Duration, parse as parseIso, serialize as serializeIso } from 'tinyduration';
import { HostError } from '../common/errors';

export class DurationFormatError extends HostError {
  readonly code = 'BAD_DURATION';
  readonly retryable = false;
}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds in a duration string; throws {@link DurationFormatError} naming the input. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const upper = trimmed.toUpperCase();
  const iso = readIso(upper);
  if (iso) {
    if (iso.years !== undefined || iso.months !== undefined) {
      throw new DurationFormatError(
        `"${text}" counts years or months, whose length varies; use weeks, days or hours, like "P30D"`,
      );
    }
    const { weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0 } = iso;
    return Math.round(((weeks * 7 + days) * 86_400 + hours * 3600 + minutes * 60 + seconds) * 1000);
  }
  const span = TIMESPAN.exec(trimmed);
  if (span) {
    const [, d, h, m, s, frac] = span;
    const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
    return ((Number(d ?? 0) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s)) * 1000 + ms;
  }
  throw new DurationFormatError(`"${text}" is not a duration; use ISO 8601 like "PT1H" or "P2D"`);
}

/**
 * tinyduration's reading of the whole text, or undefined: its pattern is not anchored (it would
 * read `PT1M1H` as one minute) and accepts a sign, so a text it would not write back the same way
 * is not a duration here.
 */
function readIso(text: string): Duration | undefined {
  try {
    const duration = parseIso(text);
    const signed = duration.negative || Object.values(duration).some((v) => typeof v === 'number' && v < 0);
    return !signed && serializeIso(duration) === text ? duration : undefined;
  } catch {
    return undefined;
  }
}

/** .NET TimeSpan text ("d.hh:mm:ss"), the format the Durable extension sends to workers. */
export function toTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor((totalSeconds % 86_400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${days}.${pad(h)}:${pad(m)}:${pad(s)}`;
}
