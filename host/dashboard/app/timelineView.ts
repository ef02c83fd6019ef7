/**
 * The Gantt-like timeline of one instance: a row per activity call (its retry attempts as
 * segments of one row, with the delays between them), sub-orchestration, timer, wait for an
 * event, entity call, signal or lock, and suspension, on a shared time axis.
 */
import { h } from './dom.js';
import { duration, time } from './format.js';
import { rowEnd, rowFailed, rowStart, type TimelineRow } from './history.js';

const KIND_LABEL: Record<TimelineRow['kind'], string> = {
  activity: 'activity',
  suborchestration: 'sub-orch.',
  timer: 'timer',
  wait: 'wait',
  suspended: 'suspended',
  entity: 'entity',
};
const MAX_ROWS = 400;

export function renderTimeline(
  rows: TimelineRow[],
  range: { start: number; end: number },
  now: number,
  childHref: (id: string) => string,
): HTMLElement {
  if (rows.length === 0)
    return h('p', { class: 'empty' }, 'No activities, timers or events in the history yet.');
  const span = Math.max(1, range.end - range.start);
  const pct = (t: number) =>
    `${(((Math.min(Math.max(t, range.start), range.end) - range.start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) =>
    `${(((Math.min(b, range.end) - Math.max(a, range.start)) / span) * 100).toFixed(3)}%`;
  const bar = (cls: string, a: number, b: number, title: string, text?: string) =>
    h('div', { class: `bar ${cls}`, style: `left:${pct(a)};width:${width(a, b)}`, title }, text ?? '');

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    h(
      'span',
      { class: 'tick', style: `left:${f * 100}%` },
      f === 0 ? time(range.start) : `+${duration(span * f)}`,
    ),
  );
  const nowLine =
    now > range.start && now < range.end
      ? h('div', { class: 'now-line', style: `left:${pct(now)}`, title: `now: ${time(now)}` })
      : null;

  const body = rows.slice(0, MAX_ROWS).map((r) => {
    const start = rowStart(r);
    const end = rowEnd(r);
    const open = end === undefined;
    const bars: HTMLElement[] = [];
    r.attempts.forEach((a, i) => {
      const aEnd = a.end ?? (r.kind === 'timer' ? (r.fireAt ?? now) : now);
      const state = a.end === undefined ? (r.stale ? 'stale' : 'open') : a.failed ? 'failed' : 'done';
      const label = r.attempts.length > 1 ? `attempt ${i + 1}` : r.label;
      const took =
        a.end === undefined ? `running for ${duration(now - a.start)}` : `took ${duration(a.end - a.start)}`;
      bars.push(
        bar(
          `${r.kind} ${state}`,
          a.start,
          aEnd,
          `${label}: ${time(a.start)} → ${a.end === undefined ? '…' : time(a.end)}, ${took}${a.message ? `\n${a.message}` : ''}`,
        ),
      );
      if (r.attempts.length > 1)
        bars.push(
          h(
            'span',
            { class: `attempt-marker ${state}`, style: `left:${pct(a.start)}`, title: label },
            String(i + 1),
          ),
        );
    });
    for (const d of r.retryDelays) {
      bars.push(bar('delay', d.start, d.end ?? d.fireAt, `retry delay until ${time(d.fireAt)}`));
    }
    if (r.kind === 'timer' && r.fireAt !== undefined && open) {
      bars.push(
        h('span', { class: 'fire-marker', style: `left:${pct(r.fireAt)}`, title: `due ${time(r.fireAt)}` }),
      );
    }
    const total = open
      ? r.stale
        ? 'never fired'
        : r.held
          ? 'due, held (suspended)'
          : r.kind === 'timer'
            ? `due ${time(r.fireAt)}`
            : `open ${duration(now - start)}`
      : duration((end as number) - start);
    const retries =
      r.attempts.length > 1
        ? `×${r.attempts.length}, ${r.attempts.filter((a) => a.failed).length} failed`
        : '';
    return h(
      'div',
      { class: `tl-row${rowFailed(r) ? ' failed' : ''}`, 'data-kind': r.kind },
      h(
        'div',
        { class: 'tl-label' },
        h('span', { class: `kind kind-${r.kind}` }, KIND_LABEL[r.kind]),
        r.instanceId
          ? h('a', { href: childHref(r.instanceId), class: 'mono' }, r.label)
          : h('span', { class: 'name' }, r.label),
        h('span', { class: 'took' }, total, retries ? h('em', {}, ` · ${retries}`) : null),
      ),
      h('div', { class: 'tl-track' }, bars),
    );
  });

  return h(
    'div',
    { class: 'timeline', id: 'timeline' },
    h(
      'div',
      { class: 'tl-row tl-axis' },
      h('div', { class: 'tl-label' }, `${rows.length} rows`),
      h('div', { class: 'tl-track' }, ticks, nowLine),
    ),
    body,
    rows.length > MAX_ROWS
      ? h('p', { class: 'note' }, `Showing the first ${MAX_ROWS} of ${rows.length} rows.`)
      : null,
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'sw done' }),
      'completed ',
      h('span', { class: 'sw failed' }),
      'failed ',
      h('span', { class: 'sw open' }),
      'running / waiting ',
      h('span', { class: 'sw delay' }),
      'retry delay ',
      h('span', { class: 'sw wait' }),
      'wait for an event (from the previous event to its arrival) ',
      h('span', { class: 'sw stale' }),
      'timer that never fired (cancelled by the orchestrator)',
    ),
  );
}
