/**
 * Links between a parent orchestration and its sub-orchestrations, as far as the status API
 * lets us know them, and saying how each link was found:
 *  - child ids shown in the history (SubOrchestrationInstanceCreated while the child runs);
 *  - generated child ids `<parentId>:<n>`: found with an id-prefix query, matched by name;
 *  - the parent of a child: named in ExecutionStarted when the backend shows it (the embedded
 *    host, like the extension, hides it), else by the id convention, else by searching the
 *    instances created just before the child for one that started it.
 */
import { type InstanceStatus, mapLimit } from './api.js';
import type { AppContext } from './context.js';
import { badge, clear, h } from './dom.js';
import { parentByConvention, parentFromHistory, startedChild, type TimelineRow } from './history.js';

export interface ChildMatch {
  /** Rows given an id by the convention. */
  matched: number;
  /** Generated-id children found whose call could not be told apart from another of that name. */
  ambiguous: InstanceStatus[];
}

/**
 * Fills in `instanceId` of sub-orchestration rows from generated ids (`<parentId>:<n>`, found by
 * an id-prefix query). A name's rows are matched in order only when their number equals the
 * number of generated children of that name; otherwise (some calls gave explicit ids) the
 * children are listed as found, without guessing which call each belongs to.
 */
export async function matchChildren(
  ctx: AppContext,
  parentId: string,
  rows: TimelineRow[],
): Promise<ChildMatch> {
  const missing = rows.filter((r) => r.kind === 'suborchestration' && !r.instanceId);
  if (missing.length === 0) return { matched: 0, ambiguous: [] };
  const { instances } = await ctx.api.queryAll({ instanceIdPrefix: `${parentId}:`, showInput: false }, 500);
  const seq = (i: InstanceStatus) => Number(i.instanceId.slice(parentId.length + 1));
  const generated = instances.filter((i) => Number.isInteger(seq(i))).sort((a, b) => seq(a) - seq(b));
  let matched = 0;
  const ambiguous: InstanceStatus[] = [];
  for (const name of new Set(missing.map((r) => r.label))) {
    const calls = missing.filter((r) => r.label === name);
    const children = generated.filter((c) => c.name === name);
    if (calls.length !== children.length) {
      ambiguous.push(...children);
      continue;
    }
    calls.forEach((row, i) => {
      row.instanceId = (children[i] as InstanceStatus).instanceId;
      matched++;
    });
  }
  return { matched, ambiguous };
}

export function childrenPanel(ctx: AppContext, rows: TimelineRow[], found: ChildMatch): HTMLElement | null {
  const subs = rows.filter((r) => r.kind === 'suborchestration');
  if (subs.length === 0) return null;
  return h(
    'section',
    { class: 'card', id: 'children' },
    h('h2', {}, `Sub-orchestrations (${subs.length})`),
    h(
      'ul',
      { class: 'links' },
      subs.map((r) =>
        h(
          'li',
          {},
          h('span', {}, r.label, ' → '),
          r.instanceId
            ? h('a', { href: ctx.instanceHref(r.instanceId), class: 'mono' }, r.instanceId)
            : h('em', {}, 'child id not shown by the status API once the child has finished'),
        ),
      ),
    ),
    found.matched
      ? h(
          'p',
          { class: 'note' },
          `${found.matched} matched by the generated-id convention <parent>:<n> and the orchestration name.`,
        )
      : null,
    found.ambiguous.length
      ? h(
          'p',
          { class: 'note' },
          'Children with generated ids (which call each belongs to cannot be told, since other calls gave explicit ids): ',
          found.ambiguous.map((c, i) => [
            i ? ', ' : '',
            h('a', { href: ctx.instanceHref(c.instanceId), class: 'mono' }, c.instanceId),
            ` (${c.name})`,
          ]),
        )
      : null,
  );
}

/** The parent, as far as known, with a search when neither the history nor the id tells. */
export function parentPanel(ctx: AppContext, status: InstanceStatus): HTMLElement {
  const panel = h('div', { class: 'parent', id: 'parent' });
  const known = parentFromHistory(status.historyEvents ?? []);
  const conventional = parentByConvention(status.instanceId);
  const link = (id: string, how: string) =>
    clear(
      panel,
      'Parent: ',
      h('a', { href: ctx.instanceHref(id), class: 'mono' }, id),
      h('small', {}, ` (${how})`),
    );
  if (known) {
    link(known, 'named in the history');
    return panel;
  }
  const search = h('button', { type: 'button', class: 'link' }, 'search for a parent');
  search.addEventListener('click', () => void searchParent(ctx, status, panel));
  clear(panel, 'Parent: not shown by the status API · ', search);
  if (conventional) {
    void ctx.api.status(conventional, false).then((p) => {
      if (p) link(p.instanceId, 'from the <parent>:<n> id of generated sub-orchestration ids');
    });
  }
  return panel;
}

async function searchParent(ctx: AppContext, child: InstanceStatus, panel: HTMLElement): Promise<void> {
  const created = Date.parse(child.createdTime);
  clear(panel, 'Parent: searching the instances created in the 10 minutes before this one…');
  const { instances, capped } = await ctx.api.queryAll(
    {
      createdTimeFrom: new Date(created - 10 * 60_000).toISOString(),
      createdTimeTo: new Date(created + 2000).toISOString(),
      showInput: false,
    },
    200,
  );
  const candidates = instances.filter((i) => i.instanceId !== child.instanceId);
  const found: Array<{ inst: InstanceStatus; how: 'id' | 'time' }> = [];
  await mapLimit(candidates, 4, async (c) => {
    const full = await ctx.api.status(c.instanceId, true);
    const how =
      full &&
      startedChild(full.historyEvents ?? [], { instanceId: child.instanceId, name: child.name, created });
    if (full && how) found.push({ inst: full, how });
  });
  const note = `searched ${candidates.length} instance${candidates.length === 1 ? '' : 's'}${capped ? ' (capped at 200)' : ''}`;
  if (found.length === 0) {
    clear(panel, `Parent: none found (${note}); it may be a top-level instance or its parent was purged.`);
    return;
  }
  clear(
    panel,
    'Parent: ',
    found.map((f) =>
      h(
        'span',
        { class: 'candidate' },
        h('a', { href: ctx.instanceHref(f.inst.instanceId), class: 'mono' }, f.inst.instanceId),
        ' ',
        badge(f.inst.runtimeStatus),
        h(
          'small',
          {},
          f.how === 'id'
            ? ' (its history names this child)'
            : ` (probable: it started a ${child.name} when this one was created)`,
        ),
      ),
    ),
    h('small', {}, ` · ${note}`),
  );
}
