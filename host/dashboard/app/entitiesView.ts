/**
 * Durable entities, beside the instances: the entity list (`GET entities[/{name}]` with the
 * state), filtered by entity name and paged with continuation tokens, both in the query string.
 * Each entity shows its state, who holds its lock and how many messages wait for it, and opens to
 * its full state and the operations it ran last (the embedded host lists them; Azure's API does
 * not, and the page says so).
 */
import type { EntityOperation, EntityStatus } from './api.js';
import type { AppContext, View } from './context.js';
import { clear, h, jsonBlock } from './dom.js';
import { preview, relative, time } from './format.js';

function operationsTable(ctx: AppContext, ops: EntityOperation[] | undefined): HTMLElement {
  if (ops === undefined) {
    return h('p', { class: 'muted' }, 'This host does not list the operations an entity ran.');
  }
  if (ops.length === 0) return h('p', { class: 'muted' }, 'No operations recorded.');
  return h(
    'table',
    { class: 'grid entity-ops' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Time'),
        h('th', {}, 'Operation'),
        h('th', {}, 'Kind'),
        h('th', {}, 'From'),
        h('th', {}, 'Outcome'),
        h('th', {}, 'Duration'),
      ),
    ),
    h(
      'tbody',
      {},
      ops.map((op) =>
        h(
          'tr',
          { class: op.failed ? 'row-failed' : undefined, 'data-operation': op.operation },
          h('td', { class: 'nowrap', title: op.time }, time(op.time)),
          h('td', { class: 'mono' }, op.operation || '(none)'),
          h('td', {}, op.signal ? 'signal' : 'call'),
          h(
            'td',
            { class: 'mono' },
            op.from === null
              ? h('span', { class: 'muted' }, 'client')
              : op.from.startsWith('@')
                ? op.from
                : h('a', { href: ctx.instanceHref(op.from) }, op.from),
          ),
          h('td', {}, op.failed ? `failed${op.error ? `: ${preview(op.error, 60)}` : ''}` : 'ok'),
          h('td', { class: 'nowrap' }, op.durationMs === null ? '' : `${op.durationMs} ms`),
        ),
      ),
    ),
  );
}

function entityRow(ctx: AppContext, e: EntityStatus, now: number): HTMLElement[] {
  const id = `@${e.entityId.name}@${e.entityId.key}`;
  const detail = h(
    'tr',
    { class: 'entity-detail', hidden: true },
    h(
      'td',
      { colspan: '6' },
      h('h3', {}, 'State'),
      jsonBlock(e.state),
      h('h3', {}, 'Recent operations'),
      operationsTable(ctx, e.recentOperations),
    ),
  );
  const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, e.entityId.key);
  toggle.addEventListener('click', () => {
    detail.hidden = !detail.hidden;
    toggle.setAttribute('aria-expanded', String(!detail.hidden));
  });
  const row = h(
    'tr',
    { 'data-entity': id },
    h('td', {}, e.entityId.name),
    h('td', { class: 'mono' }, toggle),
    h(
      'td',
      { class: 'nowrap', title: e.lastOperationTime },
      time(e.lastOperationTime),
      h('small', {}, relative(Date.parse(e.lastOperationTime), now)),
    ),
    h(
      'td',
      { class: 'mono' },
      e.lockedBy
        ? h('a', { href: ctx.instanceHref(e.lockedBy) }, e.lockedBy)
        : h('span', { class: 'muted' }, '—'),
    ),
    h('td', {}, e.backlogQueueSize === undefined ? '' : String(e.backlogQueueSize)),
    h('td', { class: 'mono muted' }, preview(e.state, 70)),
  );
  return [row, detail];
}

export function entitiesView(ctx: AppContext, root: HTMLElement): View {
  const p = ctx.params();
  const previous: Array<string | undefined> = p.get('epage') ? [undefined] : [];
  let next: string | undefined;
  const name = h('input', {
    type: 'search',
    id: 'e-name',
    value: p.get('entity') ?? '',
    placeholder: 'e.g. counter',
  });
  const top = h(
    'select',
    { id: 'e-top' },
    ['25', '50', '100'].map((n) => h('option', { value: n, selected: (p.get('etop') ?? '50') === n }, n)),
  );
  const summary = h('div', { class: 'summary' });
  const table = h('div', { class: 'table-wrap' });
  const prevBtn = h('button', { type: 'button', class: 'secondary' }, '← Previous');
  const nextBtn = h('button', { type: 'button', class: 'secondary' }, 'Next →');
  const write = (page?: string) => ctx.setParams({ entity: name.value.trim(), etop: top.value, epage: page });
  const form = h(
    'form',
    { class: 'filters', id: 'entity-filters' },
    h(
      'label',
      { class: 'field' },
      h('span', {}, 'Entity name'),
      name,
      h('small', {}, 'the entities of this name (the API filters by whole name)'),
    ),
    h('label', { class: 'field narrow' }, h('span', {}, 'Page size'), top),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    previous.length = 0;
    write();
    void view.refresh();
  });
  prevBtn.addEventListener('click', () => {
    write(previous.pop());
    void view.refresh();
  });
  nextBtn.addEventListener('click', () => {
    previous.push(ctx.params().get('epage') ?? undefined);
    write(next);
    void view.refresh();
  });
  root.append(h('h1', {}, 'Entities'), form, summary, table, h('div', { class: 'pager' }, prevBtn, nextBtn));

  const view: View = {
    async refresh() {
      const q = ctx.params();
      const page = await ctx.api.entities(
        { name: q.get('entity') ?? undefined, top: Number(q.get('etop') ?? 50) },
        q.get('epage') ?? undefined,
      );
      next = page.next;
      prevBtn.disabled = previous.length === 0;
      nextBtn.disabled = !next;
      const locked = page.entities.filter((e) => e.lockedBy).length;
      summary.textContent =
        `${page.entities.length} entit${page.entities.length === 1 ? 'y' : 'ies'} on this page` +
        (locked ? ` · ${locked} locked` : '') +
        (next ? ' · more on the next page' : '') +
        ' · open a key for its state and recent operations';
      const now = ctx.now();
      clear(
        table,
        page.entities.length === 0
          ? h('p', { class: 'empty' }, 'No entities.')
          : h(
              'table',
              { class: 'grid', id: 'entities' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'Entity'),
                  h('th', {}, 'Key'),
                  h('th', {}, 'Last operation'),
                  h('th', {}, 'Locked by'),
                  h('th', {}, 'Waiting'),
                  h('th', {}, 'State'),
                ),
              ),
              h(
                'tbody',
                {},
                page.entities.flatMap((e) => entityRow(ctx, e, now)),
              ),
            ),
      );
    },
  };
  return view;
}
