/**
 * Open approval requests (`approvalWorkflow` instances that are Running, Pending or Suspended,
 * read from their custom status): stage, awaited approvers, age and deadline, overdue first;
 * then, per approver, how long they keep requests waiting, which shows where requests stall;
 * and approvers the bot cannot reach.
 */
import { APPROVAL_ORCHESTRATOR, approverWaits, asApproval, openRequests } from './approvalData.js';
import { badge, clear, h } from './dom.js';
import { duration, relative, time } from './format.js';
import type { AppContext, View } from './main.js';
import { percentile } from './stats.js';

const CAP = 1000;

export function approvalsView(ctx: AppContext, root: HTMLElement): View {
  const p = ctx.params();
  const closedDays = h(
    'select',
    { id: 'closed-days' },
    [
      ['0', 'open requests only'],
      ['7', '+ closed in the last 7 days'],
      ['30', '+ closed in the last 30 days'],
    ].map(([v, label]) => h('option', { value: v, selected: (p.get('closedDays') ?? '30') === v }, label)),
  );
  closedDays.addEventListener('change', () => {
    ctx.setParams({ closedDays: closedDays.value });
    void view.refresh();
  });
  const summary = h('p', { class: 'summary' });
  const openBox = h('section', { class: 'card' });
  const waitsBox = h('section', { class: 'card' });
  const unreachableBox = h('section', { class: 'card' });
  root.append(
    h('h1', {}, 'Approvals'),
    h(
      'div',
      { class: 'filters inline' },
      h('label', { class: 'field' }, h('span', {}, 'Approver figures from'), closedDays),
    ),
    summary,
    openBox,
    waitsBox,
    unreachableBox,
  );

  const view: View = {
    async refresh() {
      const now = ctx.now();
      const open = await ctx.api.queryAll(
        { runtimeStatus: ['Running', 'Pending', 'Suspended'], showInput: false },
        CAP,
      );
      const days = Number(ctx.params().get('closedDays') ?? '30');
      const closed = days
        ? await ctx.api.queryAll(
            {
              runtimeStatus: ['Completed', 'Terminated', 'Failed'],
              createdTimeFrom: new Date(now - days * 86_400_000).toISOString(),
              showInput: false,
            },
            CAP,
          )
        : { instances: [], capped: false };
      const approvals = (list: typeof open.instances) => list.filter((i) => i.name === APPROVAL_ORCHESTRATOR);
      const openApprovals = approvals(open.instances);
      const requests = openRequests(openApprovals, now);
      const overdue = requests.filter((r) => r.overdue).length;
      summary.textContent =
        `${requests.length} open request${requests.length === 1 ? '' : 's'}, ${overdue} overdue` +
        ` · times on the ${Math.abs(now - Date.now()) > 5000 ? 'host' : 'current'} clock (${time(now)})` +
        (open.capped || closed.capped ? ` · capped at ${CAP} instances per query` : '');

      clear(
        openBox,
        h('h2', {}, 'Open requests'),
        requests.length === 0
          ? h('p', { class: 'empty' }, 'No open approval requests.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'grid', id: 'open-approvals' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    [
                      'Request',
                      'Requester',
                      'Stage',
                      'Awaiting',
                      'Age',
                      'In stage',
                      'Deadline',
                      'Status',
                    ].map((c) => h('th', {}, c)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  requests.map((r) => {
                    const a = r.approval;
                    const s = a.stage;
                    return h(
                      'tr',
                      { class: r.overdue ? 'overdue' : undefined, 'data-instance': r.instanceId },
                      h(
                        'td',
                        {},
                        h('a', { href: ctx.instanceHref(r.instanceId) }, a.title || r.instanceId),
                        h('small', { class: 'mono' }, r.instanceId),
                      ),
                      h('td', {}, a.requester.name),
                      h(
                        'td',
                        {},
                        s ? `${s.title} (${s.index + 1}/${s.count})` : '–',
                        s?.escalated ? h('span', { class: 'tag' }, 'escalated') : null,
                      ),
                      h(
                        'td',
                        {},
                        s?.awaiting.map((p) =>
                          h(
                            'span',
                            {
                              class: `person${a.unreachable.some((u) => u.id === p.id) ? ' unreachable' : ''}`,
                              title: a.unreachable.some((u) => u.id === p.id)
                                ? 'cannot be reached by the bot'
                                : undefined,
                            },
                            p.name,
                          ),
                        ) ?? '–',
                      ),
                      h('td', { class: 'nowrap' }, duration(now - Date.parse(a.createdAt))),
                      h('td', { class: 'nowrap' }, s ? duration(now - Date.parse(s.startedAt)) : '–'),
                      h(
                        'td',
                        { class: 'nowrap' },
                        s ? time(s.deadline) : '–',
                        h(
                          'small',
                          { class: r.overdue ? 'overdue-text' : undefined },
                          r.overdue ? `overdue by ${duration(now - r.deadline)}` : relative(r.deadline, now),
                        ),
                      ),
                      h('td', {}, badge(r.runtimeStatus)),
                    );
                  }),
                ),
              ),
            ),
      );

      const waits = approverWaits([...openApprovals, ...approvals(closed.instances)], now);
      clear(
        waitsBox,
        h('h2', {}, 'How long approvers keep requests waiting'),
        h(
          'p',
          { class: 'note' },
          'Decided: decision time − start of that stage. Waiting now: now − start of the open stage that awaits them. ',
          'Earlier stages have no recorded start; it is taken as the previous stage’s last decision (or the request’s creation), marked ≈.',
        ),
        waits.length === 0
          ? h('p', { class: 'empty' }, 'No decisions or awaited approvers yet.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'grid', id: 'approver-waits' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    [
                      'Approver',
                      'Decided',
                      'Median decision',
                      'Slowest decision',
                      'Waiting on them now',
                      'Longest open wait',
                    ].map((c) => h('th', {}, c)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  waits.map((w) => {
                    const approx = w.estimated ? '≈ ' : '';
                    return h(
                      'tr',
                      {},
                      h(
                        'td',
                        {},
                        w.approver.name,
                        w.unreachable ? h('span', { class: 'tag bad' }, 'unreachable') : null,
                      ),
                      h('td', { class: 'num' }, String(w.decided.length)),
                      h(
                        'td',
                        { class: 'nowrap' },
                        w.decided.length ? approx + duration(percentile(w.decided, 50)) : '–',
                      ),
                      h(
                        'td',
                        { class: 'nowrap' },
                        w.decided.length ? approx + duration(Math.max(...w.decided)) : '–',
                      ),
                      h('td', { class: 'num' }, String(w.waiting.length)),
                      h(
                        'td',
                        { class: 'nowrap' },
                        w.waiting.length ? duration(Math.max(...w.waiting.map((x) => x.ms))) : '–',
                      ),
                    );
                  }),
                ),
              ),
            ),
      );

      const unreachable = new Map<string, { name: string; requests: string[] }>();
      for (const inst of openApprovals) {
        const a = asApproval(inst.customStatus);
        if (a?.state !== 'Pending') continue;
        for (const u of a.unreachable) {
          const entry = unreachable.get(u.id) ?? { name: u.name, requests: [] };
          entry.requests.push(inst.instanceId);
          unreachable.set(u.id, entry);
        }
      }
      clear(
        unreachableBox,
        h('h2', {}, 'Approvers who cannot be reached'),
        unreachable.size === 0
          ? h('p', { class: 'empty' }, 'Every awaited approver could be notified.')
          : h(
              'ul',
              { class: 'links', id: 'unreachable' },
              [...unreachable.values()].map((u) =>
                h(
                  'li',
                  {},
                  h('strong', {}, u.name),
                  ` — the bot could not notify them; ${u.requests.length} open request${u.requests.length === 1 ? '' : 's'}: `,
                  u.requests.map((id, i) => [
                    i ? ', ' : '',
                    h('a', { href: ctx.instanceHref(id), class: 'mono' }, id),
                  ]),
                ),
              ),
            ),
      );
    },
  };
  return view;
}
