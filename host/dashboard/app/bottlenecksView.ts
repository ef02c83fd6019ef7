/**
 * Bottlenecks: per activity (and sub-orchestration), calls, failures and p50/p95 durations
 * over the instances created in a chosen window. The API has no aggregate, so the view queries
 * the instances, then fetches their histories a few at a time, up to a cap (and says so).
 */
import { type HistoryItem, mapLimit } from './api.js';
import type { AppContext, View } from './context.js';
import { clear, h } from './dom.js';
import { duration, time } from './format.js';
import { stepStats } from './stats.js';

const WINDOWS: Array<[string, string]> = [
  ['1h', 'last hour'],
  ['24h', 'last 24 hours'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
];
const CONCURRENCY = 6;

function windowMs(w: string): number {
  const n = Number.parseInt(w, 10);
  return w.endsWith('d') ? n * 86_400_000 : n * 3_600_000;
}

export function bottlenecksView(ctx: AppContext, root: HTMLElement): View {
  const p = ctx.params();
  const win = h(
    'select',
    { id: 'b-window' },
    WINDOWS.map(([v, label]) => h('option', { value: v, selected: (p.get('window') ?? '7d') === v }, label)),
  );
  const name = h('input', {
    type: 'search',
    id: 'b-name',
    value: p.get('name') ?? '',
    placeholder: 'all orchestrations',
  });
  const cap = h(
    'select',
    { id: 'b-cap' },
    ['50', '200', '500'].map((v) =>
      h('option', { value: v, selected: (p.get('cap') ?? '200') === v }, `${v} instances`),
    ),
  );
  const run = h('button', { type: 'submit', class: 'primary' }, 'Analyse');
  const progress = h('p', { class: 'summary', id: 'b-progress' });
  const result = h('section', { class: 'card' });
  const form = h(
    'form',
    { class: 'filters' },
    h('label', { class: 'field' }, h('span', {}, 'Created in'), win),
    h(
      'label',
      { class: 'field' },
      h('span', {}, 'Orchestration name'),
      name,
      h('small', {}, 'filtered in the browser'),
    ),
    h('label', { class: 'field' }, h('span', {}, 'At most'), cap),
    h('div', { class: 'filter-buttons' }, run),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.setParams({ window: win.value, name: name.value.trim(), cap: cap.value });
    void view.refresh();
  });
  root.append(
    h('h1', {}, 'Bottlenecks'),
    h(
      'p',
      { class: 'note' },
      'Durations of activity attempts (schedule → completion) and sub-orchestrations, from the histories of the instances created in the window.',
    ),
    form,
    progress,
    result,
  );

  const view: View = {
    autoRefresh: false,
    async refresh() {
      const q = ctx.params();
      const now = ctx.now();
      const from = now - windowMs(q.get('window') ?? '7d');
      const limit = Number(q.get('cap') ?? 200);
      const wanted = (q.get('name') ?? '').toLowerCase();
      progress.textContent = 'Querying instances…';
      // The name filter is client-side, so read a little more than the cap before filtering.
      const { instances, capped } = await ctx.api.queryAll(
        { createdTimeFrom: new Date(from).toISOString(), showInput: false },
        wanted ? limit * 5 : limit,
      );
      const matching = instances.filter((i) => !wanted || i.name.toLowerCase().includes(wanted));
      const chosen = matching.slice(0, limit);
      const wasCapped = capped || matching.length > limit;
      let done = 0;
      const histories = await mapLimit(chosen, CONCURRENCY, async (i) => {
        const s = await ctx.api.status(i.instanceId, true).catch(() => undefined);
        done++;
        if (done % 10 === 0) progress.textContent = `Reading histories… ${done}/${chosen.length}`;
        return (s?.historyEvents ?? []) as HistoryItem[];
      });
      const stats = stepStats(histories);
      progress.textContent =
        `${chosen.length} instance${chosen.length === 1 ? '' : 's'} created since ${time(from)}` +
        (wasCapped
          ? ` · capped at ${limit}: more instances exist in the window, narrow it for exact figures`
          : '');
      const maxP95 = Math.max(1, ...stats.map((s) => (Number.isFinite(s.p95) ? s.p95 : 0)));
      clear(
        result,
        stats.length === 0
          ? h('p', { class: 'empty' }, 'No activity ran in these instances.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'grid', id: 'bottlenecks' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    [
                      'Step',
                      'Kind',
                      'Calls',
                      'Attempts',
                      'Failed attempts',
                      'Failed calls',
                      'Running',
                      'p50',
                      'p95',
                      'Max',
                      '',
                    ].map((c) => h('th', {}, c)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  stats.map((s) =>
                    h(
                      'tr',
                      { class: s.failedCalls ? 'row-failed' : undefined },
                      h('td', {}, s.name),
                      h('td', { class: 'muted' }, s.kind === 'activity' ? 'activity' : 'sub-orchestration'),
                      h('td', { class: 'num' }, String(s.calls)),
                      h('td', { class: 'num' }, String(s.attempts)),
                      h('td', { class: 'num' }, String(s.failedAttempts)),
                      h('td', { class: 'num' }, String(s.failedCalls)),
                      h('td', { class: 'num' }, String(s.running)),
                      h('td', { class: 'nowrap' }, duration(s.p50)),
                      h('td', { class: 'nowrap' }, duration(s.p95)),
                      h('td', { class: 'nowrap' }, duration(s.max)),
                      h(
                        'td',
                        { class: 'spark' },
                        h('span', {
                          class: 'spark-bar',
                          style: `width:${((Number.isFinite(s.p95) ? s.p95 : 0) / maxP95) * 100}%`,
                        }),
                      ),
                    ),
                  ),
                ),
              ),
            ),
      );
    },
  };
  return view;
}
