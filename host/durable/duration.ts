/** Durations as users write them: ISO 8601 (`P2D`, `PT1H30M`) or .NET TimeSpan (`6.00:00:00`). */
import { HostError } from '../errors';

export class DurationFormatError extends HostError {
  readonly code = 'BAD_DURATION';
  readonly retryable = false;
}

const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds in a duration string; throws {@link DurationFormatError} naming the input. */
export function parseDuration(text: string): number {
  const iso = ISO.exec(text.trim());
  if (iso && text.trim().length > 1 && !/T$/i.test(text.trim())) {
    const [, w, d, h, m, s] = iso.map((v) => (v === undefined ? 0 : Number(v)));
    return Math.round(
      (((w ?? 0) * 7 + (d ?? 0)) * 86_400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000,
    );
  }
  const span = TIMESPAN.exec(text.trim());
  if (span) {
    const [, d, h, m, s, frac] = span;
    const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
    return ((Number(d ?? 0) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s)) * 1000 + ms;
  }
  throw new DurationFormatError(`"${text}" is not a duration; use ISO 8601 like "PT1H" or "P2D"`);
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
