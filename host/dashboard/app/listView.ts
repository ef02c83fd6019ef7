/**
 * The instance list: filters that combine (runtime status, created-time range and id prefix go
 * to the API; the orchestration name is filtered here, since the API cannot), paging with
 * continuation tokens, sorting, all kept in the query string.
 */
import { type InstanceStatus, RUNTIME_STATUSES } from './api.js';
import type { AppContext, View } from './context.js';
import { badge, clear, h } from './dom.js';
import { preview, relative, time } from './format.js';

type SortKey = 'created' | 'updated' | 'name' | 'status';
const SORTS: Array<{ key: SortKey; label: string }> = [
  { key: 'created', label: 'Created' },
  { key: 'updated', label: 'Last updated' },
  { key: 'name', label: 'Orchestration' },
  { key: 'status', label: 'Status' },
];

/** ISO ↔ the local "YYYY-MM-DDTHH:mm" of datetime-local inputs. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (v: string): string | undefined => (v ? new Date(v).toISOString() : undefined);

function sortValue(i: InstanceStatus, key: SortKey): string {
  switch (key) {
    case 'created':
      return i.createdTime;
    case 'updated':
      return i.lastUpdatedTime;
    case 'name':
      return i.name.toLowerCase();
    case 'status':
      return i.runtimeStatus;
  }
}

export function listView(ctx: AppContext, root: HTMLElement): View {
  const p = ctx.params();
  const selected = new Set((p.get('status') ?? '').split(',').filter(Boolean));
  /** Tokens of the pages before the current one, for "Previous". */
  const previous: Array<string | undefined> = p.get('page') ? [undefined] : [];
  let next: string | undefined;

  const statusBoxes = RUNTIME_STATUSES.map((s) =>
    h(
      'label',
      { class: 'chip' },
      h('input', { type: 'checkbox', value: s, checked: selected.has(s), 'data-status': s }),
      s,
    ),
  );
  const name = h('input', {
    type: 'search',
    id: 'f-name',
    value: p.get('name') ?? '',
    placeholder: 'e.g. orderProcessing',
  });
  const prefix = h('input', {
    type: 'search',
    id: 'f-prefix',
    value: p.get('prefix') ?? '',
    placeholder: 'e.g. loan-',
  });
  const from = h('input', { type: 'datetime-local', id: 'f-from', value: toLocalInput(p.get('from')) });
  const to = h('input', { type: 'datetime-local', id: 'f-to', value: toLocalInput(p.get('to')) });
  const top = h(
    'select',
    { id: 'f-top' },
    ['25', '50', '100'].map((n) => h('option', { value: n, selected: (p.get('top') ?? '50') === n }, n)),
  );
  const apply = h('button', { type: 'submit', class: 'primary', id: 'f-apply' }, 'Apply');
  const reset = h('button', { type: 'button', class: 'secondary' }, 'Clear');
  const summary = h('div', { class: 'summary' });
  const table = h('div', { class: 'table-wrap' });
  const prevBtn = h('button', { type: 'button', class: 'secondary', id: 'page-prev' }, '← Previous');
  const nextBtn = h('button', { type: 'button', class: 'secondary', id: 'page-next' }, 'Next →');

  const writeFilters = (page?: string) => {
    ctx.setParams({
      status: [...statusBoxes]
        .map((l) => l.querySelector('input') as HTMLInputElement)
        .filter((i) => i.checked)
        .map((i) => i.value)
        .join(','),
      name: name.value.trim(),
      prefix: prefix.value.trim(),
      from: fromLocalInput(from.value),
      to: fromLocalInput(to.value),
      top: top.value,
      page,
    });
  };

  const form = h(
    'form',
    { class: 'filters', id: 'filters' },
    h('fieldset', { class: 'statuses' }, h('legend', {}, 'Runtime status'), statusBoxes),
    h('label', { class: 'field' }, h('span', {}, 'Instance id prefix'), prefix),
    h(
      'label',
      { class: 'field' },
      h('span', {}, 'Orchestration name'),
      name,
      h('small', {}, 'filtered in the browser on the loaded page: the API has no name filter'),
    ),
    h('label', { class: 'field' }, h('span', {}, 'Created from'), from),
    h('label', { class: 'field' }, h('span', {}, 'Created to'), to),
    h('label', { class: 'field narrow' }, h('span', {}, 'Page size'), top),
    h('div', { class: 'filter-buttons' }, apply, reset),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    previous.length = 0;
    writeFilters();
    void view.refresh();
  });
  reset.addEventListener('click', () => {
    for (const l of statusBoxes) (l.querySelector('input') as HTMLInputElement).checked = false;
    for (const i of [name, prefix, from, to]) i.value = '';
    form.requestSubmit();
  });
  prevBtn.addEventListener('click', () => {
    writeFilters(previous.pop());
    void view.refresh();
  });
  nextBtn.addEventListener('click', () => {
    previous.push(ctx.params().get('page') ?? undefined);
    writeFilters(next);
    void view.refresh();
  });

  root.append(
    h('h1', {}, 'Orchestration instances'),
    form,
    summary,
    table,
    h('div', { class: 'pager' }, prevBtn, nextBtn),
  );

  const view: View = {
    async refresh() {
      const q = ctx.params();
      const page = await ctx.api.query(
        {
          runtimeStatus: (q.get('status') ?? '').split(',').filter(Boolean),
          instanceIdPrefix: q.get('prefix') ?? undefined,
          createdTimeFrom: q.get('from') ?? undefined,
          createdTimeTo: q.get('to') ?? undefined,
          top: Number(q.get('top') ?? 50),
          showInput: false,
        },
        q.get('page') ?? undefined,
      );
      next = page.next;
      const wanted = (q.get('name') ?? '').toLowerCase();
      const rows = page.instances.filter((i) => !wanted || i.name.toLowerCase().includes(wanted));
      const sort = (q.get('sort') as SortKey | null) ?? 'created';
      const dir = q.get('dir') === 'asc' ? 1 : -1;
      rows.sort((a, b) => sortValue(a, sort).localeCompare(sortValue(b, sort)) * dir);
      prevBtn.disabled = previous.length === 0;
      nextBtn.disabled = !next;
      summary.textContent =
        `${rows.length} instance${rows.length === 1 ? '' : 's'} on this page` +
        (wanted ? ` (${page.instances.length - rows.length} hidden by the name filter)` : '') +
        (next ? ' · more on the next page' : '') +
        ' · sorting applies to this page (the API pages in creation order)';
      const now = ctx.now();
      const header = SORTS.map(({ key, label }) => {
        const active = key === sort;
        const th = h(
          'th',
          {
            class: active ? 'sorted' : undefined,
            'aria-sort': active ? (dir > 0 ? 'ascending' : 'descending') : undefined,
          },
          h(
            'button',
            { type: 'button', class: 'sort', 'data-sort': key },
            label,
            active ? (dir > 0 ? ' ▲' : ' ▼') : '',
          ),
        );
        th.querySelector('button')?.addEventListener('click', () => {
          ctx.setParams({ sort: key, dir: active && dir < 0 ? 'asc' : 'desc' });
          void view.refresh();
        });
        return th;
      });
      clear(
        table,
        rows.length === 0
          ? h('p', { class: 'empty' }, 'No instances match these filters.')
          : h(
              'table',
              { class: 'grid', id: 'instances' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'Instance id'),
                  header[2],
                  header[3],
                  header[0],
                  header[1],
                  h('th', {}, 'Custom status'),
                ),
              ),
              h(
                'tbody',
                {},
                rows.map((i) =>
                  h(
                    'tr',
                    { 'data-instance': i.instanceId },
                    h(
                      'td',
                      { class: 'mono' },
                      h('a', { href: ctx.instanceHref(i.instanceId) }, i.instanceId),
                    ),
                    h('td', {}, i.name),
                    h('td', {}, badge(i.runtimeStatus)),
                    h(
                      'td',
                      { title: i.createdTime, class: 'nowrap' },
                      time(i.createdTime),
                      h('small', {}, relative(Date.parse(i.createdTime), now)),
                    ),
                    h('td', { title: i.lastUpdatedTime, class: 'nowrap' }, time(i.lastUpdatedTime)),
                    h('td', { class: 'mono muted' }, preview(i.customStatus, 70)),
                  ),
                ),
              ),
            ),
      );
    },
  };
  return view;
}
