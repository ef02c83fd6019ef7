/**
 * One instance: the "at a glance" answer, the operations, the timeline, failures with their
 * stacks, input / output / custom status, sub-orchestration links and the full history table
 * (status API with showHistory=true&showHistoryOutput=true).
 */
import { actionBar, answerPanel } from './actions.js';
import { type HistoryItem, type InstanceStatus, OPEN_STATUSES } from './api.js';
import { instanceWaits } from './appViews.js';
import type { AppContext, View } from './context.js';
import { badge, clear, h, jsonBlock } from './dom.js';
import { duration, pretty, preview, relative, time } from './format.js';
import { glance } from './glance.js';
import { failures, markTimers, openItems, rowEnd, timeline } from './history.js';
import { childrenPanel, matchChildren, parentPanel } from './relations.js';
import { renderTimeline } from './timelineView.js';

export function instanceView(ctx: AppContext, root: HTMLElement, id: string): View {
  const answer = h('div', { class: 'answer-slot' });
  const content = h('div', {});
  root.append(
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: `${location.search || location.pathname}#/instances` }, '← Instances'),
    ),
    answer,
    content,
  );

  const view: View = {
    async refresh() {
      // Asked alongside the status: what the app says this instance waits for.
      const appWaits = ctx.appViews().then((views) => instanceWaits(ctx.api, views, id, ctx.now()));
      const status = await ctx.api.status(id, true);
      if (!status) {
        clear(
          content,
          h('h1', { class: 'mono' }, id),
          h('p', { class: 'empty' }, 'No such instance (it may have been purged).'),
        );
        return;
      }
      const now = ctx.now();
      const history = status.historyEvents ?? [];
      const isOpen = OPEN_STATUSES.includes(status.runtimeStatus);
      const rows = timeline(history);
      markTimers(rows, now, status.runtimeStatus);
      const children = await matchChildren(ctx, id, rows).catch(() => ({ matched: 0, ambiguous: [] }));
      const open = openItems(rows, now);
      const fails = failures(history);
      const lastEventAt = Date.parse(history[history.length - 1]?.Timestamp ?? status.lastUpdatedTime);
      const g = glance(status, open, fails, now, lastEventAt, await appWaits);

      // The status API gives whole seconds; the history has milliseconds.
      const start = Date.parse(history[0]?.Timestamp ?? status.createdTime);
      const ends = rows.flatMap((r) => [rowEnd(r) ?? 0, r.fireAt && !r.stale ? r.fireAt : 0]);
      const end = Math.max(lastEventAt, isOpen ? now : 0, ...ends, start + 1000);

      const actions = actionBar(ctx, status, g.actions, (action, result) => {
        clear(answer, answerPanel(action, result, ctx.instanceHref));
        if (result.ok) window.setTimeout(() => void view.refresh(), 300);
      });

      clear(
        content,
        h(
          'header',
          { class: 'instance-head' },
          h('h1', { class: 'mono', id: 'instance-id' }, status.instanceId),
          h(
            'div',
            { class: 'meta' },
            h('strong', {}, status.name),
            ' ',
            badge(status.runtimeStatus),
            ' ',
            h(
              'span',
              {},
              `created ${time(status.createdTime)} · updated ${time(status.lastUpdatedTime)} (${relative(Date.parse(status.lastUpdatedTime), now)})`,
            ),
          ),
          parentPanel(ctx, status),
        ),
        glancePanel(ctx, g, now),
        actions,
        h(
          'section',
          { class: 'card' },
          h('h2', {}, 'Timeline'),
          renderTimeline(rows, { start, end }, now, ctx.instanceHref),
        ),
        failuresPanel(status, fails),
        childrenPanel(ctx, rows, children),
        h(
          'section',
          { class: 'card values' },
          valueBox('Input', status.input, 'input'),
          valueBox('Output', status.output, 'output'),
          valueBox('Custom status', status.customStatus, 'custom-status'),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, `History (${history.length} events)`),
          historyTable(history, start),
        ),
      );
    },
  };
  return view;
}

function glancePanel(ctx: AppContext, g: ReturnType<typeof glance>, now: number): HTMLElement {
  return h(
    'section',
    { class: `glance tone-${g.tone}`, id: 'glance' },
    h('h2', {}, g.headline),
    g.waiting.length
      ? h(
          'div',
          {},
          h('h3', {}, 'Waiting for'),
          h(
            'ul',
            {},
            g.waiting.map((w) =>
              h(
                'li',
                {},
                w.text,
                w.instanceId
                  ? [' ', h('a', { href: ctx.instanceHref(w.instanceId), class: 'mono' }, w.instanceId)]
                  : null,
                w.since !== undefined
                  ? h('small', {}, ` · since ${time(w.since)} (${duration(now - w.since)})`)
                  : null,
                w.until !== undefined
                  ? h(
                      'small',
                      { class: w.until < now ? 'overdue-text' : undefined },
                      ` · due ${time(w.until)} (${relative(w.until, now)})`,
                    )
                  : null,
              ),
            ),
          ),
        )
      : null,
    g.failed
      ? h(
          'p',
          { class: g.tone === 'bad' ? 'failed-line' : 'handled-line' },
          h('strong', {}, g.tone === 'bad' ? 'Failed: ' : 'Last failure (handled by the orchestrator): '),
          `${g.failed.source}: ${g.failed.message}`,
          h('small', {}, ` · ${time(g.failed.at)}`),
        )
      : null,
    h('p', { class: 'next' }, h('strong', {}, 'Next: '), g.advice.join(' ')),
  );
}

function failuresPanel(status: InstanceStatus, fails: ReturnType<typeof failures>): HTMLElement | null {
  const outputText = status.runtimeStatus === 'Failed' ? status.output : undefined;
  if (fails.length === 0 && outputText === undefined) return null;
  return h(
    'section',
    { class: 'card failures', id: 'failures' },
    h('h2', {}, `Failures (${fails.length})`),
    outputText !== undefined
      ? h('div', {}, h('h3', {}, 'Instance output'), jsonBlock(outputText, 'json error'))
      : null,
    fails.map((f) =>
      h(
        'details',
        { open: f === fails[fails.length - 1] },
        h(
          'summary',
          {},
          h('strong', {}, f.source),
          ` · ${f.type ? `${f.type}: ` : ''}${f.message}`,
          h('small', {}, ` · ${time(f.at)}`),
        ),
        f.stack
          ? h('pre', { class: 'stack' }, f.stack)
          : h('p', { class: 'note' }, 'No stack trace recorded.'),
      ),
    ),
  );
}

function valueBox(title: string, value: unknown, id: string): HTMLElement {
  return h('div', { class: 'value', id }, h('h2', {}, title), jsonBlock(value));
}

/** The detail worth showing for an event, in one cell. */
function eventDetail(ev: HistoryItem): unknown {
  switch (ev.EventType) {
    case 'ExecutionStarted':
    case 'EventRaised':
    case 'TaskScheduled':
    case 'SubOrchestrationInstanceCreated':
    case 'ExecutionTerminated':
      return ev.Input;
    case 'TaskCompleted':
    case 'SubOrchestrationInstanceCompleted':
    case 'ExecutionCompleted':
      return ev.FailureDetails ?? ev.Result;
    case 'TaskFailed':
    case 'SubOrchestrationInstanceFailed':
      return ev.FailureDetails?.ErrorMessage ?? ev.Reason;
    case 'TimerCreated':
    case 'TimerFired':
      return ev.FireAt ? `fire at ${time(ev.FireAt)}` : undefined;
    default:
      return ev.Reason ?? ev.Input ?? ev.Result;
  }
}

function historyTable(history: HistoryItem[], start: number): HTMLElement {
  if (history.length === 0)
    return h('p', { class: 'empty' }, 'No history yet (Pending instances have none).');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid history', id: 'history' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Time', '+', 'Event', 'Name', 'Took', 'Details'].map((c) => h('th', {}, c)),
        ),
      ),
      h(
        'tbody',
        {},
        history.map((ev, i) => {
          const detail = eventDetail(ev);
          const text = detail === undefined ? '' : preview(detail, 120);
          const full = detail === undefined ? '' : pretty(detail);
          const took = ev.ScheduledTime
            ? duration(Date.parse(ev.Timestamp) - Date.parse(ev.ScheduledTime))
            : '';
          return h(
            'tr',
            {
              class:
                /Failed/.test(ev.EventType) || ev.OrchestrationStatus === 'Failed' ? 'row-failed' : undefined,
            },
            h('td', { class: 'num' }, String(i + 1)),
            h('td', { class: 'nowrap' }, time(ev.Timestamp)),
            h('td', { class: 'nowrap muted' }, `+${duration(Date.parse(ev.Timestamp) - start)}`),
            h('td', {}, ev.EventType),
            h('td', {}, String(ev.FunctionName ?? ev.Name ?? '')),
            h('td', { class: 'nowrap' }, took),
            h(
              'td',
              { class: 'mono detail' },
              full.length > text.length || full.includes('\n')
                ? h('details', {}, h('summary', {}, text), h('pre', {}, full))
                : text,
            ),
          );
        }),
      ),
    ),
  );
}
