/**
 * How the Functions host (a .NET program) writes and reads values the app can see: dates as
 * Newtonsoft.Json writes them, `DateTime` custom format strings and `Guid` formats in binding
 * expressions, and `TimeSpan` texts in host.json and timer schedules.
 */

/**
 * A UTC instant as Newtonsoft.Json writes a `DateTimeOffset` (or a local `DateTime` on a UTC
 * machine): seconds, then only the fractional digits that are not zero, and `+00:00`.
 * `fraction` (up to 7 digits) overrides the milliseconds when the source had more precision.
 */
export function jsonDate(ms: number, fraction?: string): string {
  const iso = new Date(ms).toISOString();
  const digits = (fraction ?? iso.slice(20, 23)).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${digits ? `.${digits}` : ''}+00:00`;
}

/** `DateTime.MinValue`, as the schedule monitor writes a time it does not have yet. */
export const MIN_DATE = '0001-01-01T00:00:00+00:00';

/** Reads a date the host wrote (or any ISO 8601 date); undefined for `DateTime.MinValue` or junk. */
export function readJsonDate(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A UTC time in a .NET custom date and time format (`yyyy-MM-ddTHH-mm-ssK`): the specifiers a
 * binding path uses (years, months, days, hours, minutes, seconds, fractions, `K`, `zzz`, `tt`),
 * quoted literals and `\` escapes; anything else is written as it is.
 */
export function formatDateTime(ms: number, format: string): string {
  const d = new Date(ms);
  const parts = {
    y: d.getUTCFullYear(),
    M: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    H: d.getUTCHours(),
    m: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    f: d.getUTCMilliseconds(),
  };
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i] as string;
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1);
      out += format.slice(i + 1, end < 0 ? format.length : end);
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    if (c === '\\') {
      out += format[i + 1] ?? '';
      i += 2;
      continue;
    }
    let n = 1;
    while (format[i + n] === c) n++;
    i += n;
    out += specifier(c, n, parts);
  }
  return out;
}

function specifier(c: string, n: number, p: Record<'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'f', number>): string {
  switch (c) {
    case 'y':
      return n <= 2 ? pad(p.y % 100, n) : pad(p.y, n);
    case 'M':
      return n >= 3 ? (MONTHS[p.M - 1]?.slice(0, n === 3 ? 3 : undefined) ?? '') : pad(p.M, n);
    case 'd':
      return n >= 3
        ? (DAYS[new Date(Date.UTC(p.y, p.M - 1, p.d)).getUTCDay()]?.slice(0, n === 3 ? 3 : undefined) ?? '')
        : pad(p.d, n);
    case 'H':
      return pad(p.H, n);
    case 'h':
      return pad(p.H % 12 || 12, n);
    case 'm':
      return pad(p.m, n);
    case 's':
      return pad(p.s, n);
    case 'f':
    case 'F': {
      const digits = `${pad(p.f, 3)}0000`.slice(0, Math.min(n, 7));
      return c === 'F' ? digits.replace(/0+$/, '') : digits;
    }
    case 't':
      return (p.H < 12 ? 'AM' : 'PM').slice(0, n === 1 ? 1 : 2);
    case 'K':
      return 'Z'.repeat(n);
    case 'z':
      return n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
    default:
      return c.repeat(n);
  }
}

/** The invariant culture's month names, January first (also NCRONTAB's month names). */
export const MONTHS: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** The invariant culture's day names, Sunday first (also NCRONTAB's day-of-week names). */
export const DAYS: readonly string[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

/** A GUID in a .NET `Guid.ToString` format: `D` (default), `N`, `B` or `P`; undefined for others. */
export function formatGuid(uuid: string, format = 'D'): string | undefined {
  switch (format.toUpperCase()) {
    case 'D':
      return uuid;
    case 'N':
      return uuid.replaceAll('-', '');
    case 'B':
      return `{${uuid}}`;
    case 'P':
      return `(${uuid})`;
    default:
      return undefined;
  }
}

const TIMESPAN = /^(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d{1,7}))?)?$/;

/**
 * Milliseconds in a .NET `TimeSpan` text as `TimeSpan.TryParse` reads it: `d`, `hh:mm`,
 * `hh:mm:ss`, `d.hh:mm[:ss[.fffffff]]`. As in .NET, `hh:mm:ss` with 24 or more hours is read as
 * `d:hh:mm` ("24:00:00" is 24 days). Undefined when it is not a TimeSpan.
 */
export function parseTimeSpan(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 86_400_000;
  const m = TIMESPAN.exec(t);
  if (!m) return undefined;
  const [, days, a = '0', b = '0', c, frac] = m;
  let [d, h, min, s] = [Number(days ?? 0), Number(a), Number(b), Number(c ?? 0)];
  if (days === undefined && c !== undefined && frac === undefined && h > 23) {
    [d, h, min, s] = [h, min, s, 0];
  }
  if (h > 23 || min > 59 || s > 59) return undefined;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return ((d * 24 + h) * 3600 + min * 60 + s) * 1000 + ms;
}
