/**
 * One of the app's views (`#/<view id>`), rendered from the app's description alone: its
 * parameters as selects (kept in the address as `<view id>.<name>`), then each section as a
 * table whose id is the section's id, each cell rendered by its column's kind against the
 * dashboard's clock (README.md, "App views").
 */
import {
  type Cell,
  type CellObject,
  type Column,
  fetchView,
  type Parameter,
  type Row,
  type Section,
} from './appViews.js';
import type { AppContext, View } from './context.js';
import { badge, type Child, clear, h } from './dom.js';
import { duration, relative, time } from './format.js';

export function appViewPage(ctx: AppContext, root: HTMLElement, id: string): View {
  const title = h('h1', {}, id);
  const filters = h('div', { class: 'filters inline' });
  const summary = h('p', { class: 'summary' });
  const body = h('div', {});
  root.append(title, filters, summary, body);
  const prefix = `${id}.`;
  let built = false;

  const chosen = () => {
    const out: Record<string, string> = {};
    for (const [k, v] of ctx.params()) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  };

  const view: View = {
    async refresh() {
      const entry = (await ctx.appViews()).views.find((v) => v.id === id);
      if (!entry) {
        clear(
          body,
          h(
            'p',
            { class: 'empty' },
            `The app offers no view "${id}". `,
            h('a', { href: '#/instances' }, 'Instances'),
          ),
        );
        return;
      }
      const now = ctx.now();
      const d = await fetchView(ctx.api, entry, chosen(), now);
      title.textContent = d.title;
      if (!built) {
        built = true;
        clear(
          filters,
          d.parameters.map((p) =>
            parameterField(p, (value) => ctx.setParams({ [prefix + p.name]: value }), view),
          ),
        );
      }
      summary.textContent =
        (d.note ? `${d.note} · ` : '') +
        `times on the ${Math.abs(now - Date.now()) > 5000 ? 'host' : 'current'} clock (${time(now)})`;
      clear(
        body,
        d.sections.map((s) => sectionCard(ctx, s, now)),
      );
    },
  };
  return view;
}

function parameterField(p: Parameter, set: (value: string) => void, view: View): HTMLElement {
  const select = h(
    'select',
    { 'data-parameter': p.name },
    p.options.map((o) => h('option', { value: o.value, selected: o.value === p.value }, o.title)),
  );
  select.addEventListener('change', () => {
    set(select.value);
    void view.refresh();
  });
  return h('label', { class: 'field' }, h('span', {}, p.title), select);
}

function sectionCard(ctx: AppContext, s: Section, now: number): HTMLElement {
  const rows = s.rows.map((r) => renderRow(ctx, s.columns, r, now));
  const overdue = rows.filter((r) => r.classList.contains('overdue')).length;
  return h(
    'section',
    { class: 'card' },
    h(
      'h2',
      {},
      s.title,
      h('small', { class: 'count' }, ` ${rows.length}${overdue ? ` · ${overdue} overdue` : ''}`),
    ),
    s.note ? h('p', { class: 'note' }, s.note) : null,
    rows.length === 0
      ? h('p', { class: 'empty' }, s.empty)
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid', id: s.id || undefined },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                s.columns.map((c) => h('th', {}, c.title)),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}

function renderRow(ctx: AppContext, columns: Column[], row: Row, now: number): HTMLTableRowElement {
  let overdue = false;
  const cells = columns.map((column, i) => {
    const c = normal(row.cells[column.key] ?? null);
    const out = render(ctx, column.kind, c, now);
    overdue ||= out.late === true;
    let content: Child = out.nodes;
    if (i === 0 && row.instanceId) {
      const a = h('a', { href: ctx.instanceHref(row.instanceId) }, out.nodes);
      content = [a, a.textContent === row.instanceId ? null : h('small', { class: 'mono' }, row.instanceId)];
    }
    return h('td', { class: out.cls, title: c.title }, content);
  });
  return h('tr', { class: overdue ? 'overdue' : undefined, 'data-instance': row.instanceId }, cells);
}

const normal = (cell: Cell): CellObject =>
  cell !== null && typeof cell === 'object' && !Array.isArray(cell) ? cell : { value: cell };

const text = (v: CellObject['value']): string => (v === null || v === '' ? '–' : String(v));

/** A cell by its column's kind; `late` for a due time before `now`. */
function render(
  ctx: AppContext,
  kind: string,
  c: CellObject,
  now: number,
): { nodes: Child[]; cls?: string; late?: boolean } {
  const v = c.value;
  const tag = c.tag ? h('span', { class: c.tone === 'bad' ? 'tag bad' : 'tag' }, c.tag) : null;
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return { nodes: ['–', tag] };
  const approx = c.approx ? '≈ ' : '';
  switch (kind) {
    case 'time':
      return { nodes: [approx + time(String(v)), tag], cls: 'nowrap' };
    case 'since':
      return { nodes: [approx + duration(now - Date.parse(String(v))), tag], cls: 'nowrap' };
    case 'duration':
      return { nodes: [approx + duration(Number(v)), tag], cls: 'nowrap' };
    case 'count':
      return { nodes: [approx + text(v), tag], cls: 'num' };
    case 'status':
      return { nodes: [badge(String(v)), tag] };
    case 'due': {
      const t = Date.parse(String(v));
      const late = t < now;
      const note = late ? `overdue by ${duration(now - t)}` : relative(t, now);
      return {
        nodes: [time(t), tag, h('small', { class: late ? 'overdue-text' : undefined }, note)],
        cls: 'nowrap',
        late,
      };
    }
    case 'list':
      return {
        nodes: [
          (Array.isArray(v) ? v : [v]).map((item) => {
            const i = normal(item);
            return h(
              'span',
              { class: i.tone === 'bad' ? 'pill bad' : 'pill', title: i.title },
              text(flat(i.value)),
            );
          }),
          tag,
        ],
      };
    case 'instances':
      return {
        nodes: [
          (Array.isArray(v) ? v : [v]).map((item, n) => {
            const instance = text(flat(normal(item).value));
            return [n ? ', ' : '', h('a', { href: ctx.instanceHref(instance), class: 'mono' }, instance)];
          }),
          tag,
        ],
      };
    default:
      return { nodes: [approx + text(flat(v)), tag] };
  }
}

/** A list where one value is expected: its items, joined. */
const flat = (v: CellObject['value']): string | number | null =>
  Array.isArray(v) ? v.map((x) => text(flat(normal(x).value))).join(', ') : v;
