/** Formatting of times, durations and values for display. Pure, no DOM. */

export const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** 1d 4h, 3h 12m, 4m 05s, 12.3s, 250ms. */
export function duration(millis: number): string {
  if (!Number.isFinite(millis)) return '–';
  const neg = millis < 0;
  let t = Math.abs(millis);
  let text: string;
  if (t < 1000) text = `${Math.round(t)}ms`;
  else if (t < 60_000) text = `${(t / 1000).toFixed(t < 10_000 ? 2 : 1)}s`;
  else {
    const d = Math.floor(t / 86_400_000);
    t -= d * 86_400_000;
    const hr = Math.floor(t / 3_600_000);
    t -= hr * 3_600_000;
    const m = Math.floor(t / 60_000);
    const s = Math.floor((t - m * 60_000) / 1000);
    if (d > 0) text = `${d}d ${hr}h`;
    else if (hr > 0) text = `${hr}h ${m}m`;
    else text = `${m}m ${String(s).padStart(2, '0')}s`;
  }
  return neg ? `-${text}` : text;
}

/** Local date and time, to the second. */
export function time(iso: string | number | undefined): string {
  const t = typeof iso === 'number' ? iso : ms(iso);
  if (!Number.isFinite(t)) return '–';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "3h 12m ago" / "in 2d 4h", against `now`. */
export function relative(t: number, now: number): string {
  if (!Number.isFinite(t)) return '–';
  return t <= now ? `${duration(now - t)} ago` : `in ${duration(t - now)}`;
}

export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

/** A one-line preview of any value, for table cells. */
export function preview(value: unknown, max = 90): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
