/**
 * The answers to `my requests` and `pending`: one row per request from the approvals index,
 * newest first, with a friendly line when there is nothing to show.
 */

import { COMMANDS } from '../domain/commands';
import type { IndexRow } from '../domain/lists';
import { AVERAGE_DAYS, type WorkloadFigures } from '../domain/workload';
import { type AdaptiveCardJson, compileTemplate } from './card';
import template from './templates/requestList.json';
import { cardDateTime, fitOr, formatDuration, LIST_LIMITS, plural, TEXT_LIMITS } from './text';

interface RowView {
  id: string;
  title: string;
  state: string;
  stateColor: string;
  detail: string;
  openTitle: string;
  canCancel: boolean;
}

interface ListView {
  heading: string;
  summary: string;
  hasWorkload: boolean;
  workload: string;
  isEmpty: boolean;
  emptyText: string;
  rows: RowView[];
  hasMore: boolean;
  more: string;
}

const render = compileTemplate<ListView>('requestList', template);

/** Accent and Attention read well on white in Teams; its green and yellow do not (see request.ts). */
const STATE_COLOR: Record<IndexRow['state'], string> = {
  Pending: 'Accent',
  Approved: 'Default',
  Rejected: 'Attention',
  Expired: 'Default',
  Cancelled: 'Default',
};

const STATE_TEXT: Record<IndexRow['state'], string> = {
  Pending: 'Waiting',
  Approved: 'Approved',
  Rejected: 'Rejected',
  Expired: 'Expired',
  Cancelled: 'Cancelled',
};

/**
 * The requests the user made, newest first. Each row has Open (`Action.Execute` verb `open`,
 * `data: { requestId }`: the bot posts the request's card as a new message and leaves the list
 * as it is) and, while the request is open, Cancel (a confirmation, then verb `cancel` with
 * `data: { requestId, list: "mine" }`, answered with the list again).
 */
export function myRequestsCard(rows: IndexRow[]): AdaptiveCardJson {
  const open = rows.filter((r) => r.state === 'Pending').length;
  return list(rows, {
    heading: 'Your requests',
    summary: rows.length === 0 ? 'Nothing yet' : `${plural(rows.length, 'request')}, ${open} still open`,
    emptyText: `You have not asked for anything yet. Type "${COMMANDS.requestLoan.usage}" or "${COMMANDS.request.usage}" to start.`,
    openTitle: 'Open',
    cancel: true,
    detail: (r) =>
      `${r.id} · ${r.state === 'Pending' ? `at ${stageName(r)} · ` : ''}asked ${cardDateTime(r.createdAt)}`,
  });
}

/**
 * The requests waiting for the user's decision (rows with `awaitingMe`), oldest first: they wait
 * longest. Each row has a Review button: `Action.Execute` verb `open` with `data: { requestId }`,
 * for which the bot posts that user's own view of the approval card (with Approve and Reject) as
 * a new message and leaves the list as it is. This is how approvers beyond the 60 that Teams
 * refreshes automatically get to decide in Teams. With the approver's `workload` (their
 * ApproverWorkload entity, domain/workload.ts), a line under the heading gives their figures.
 */
export function pendingCard(rows: IndexRow[], workload?: WorkloadFigures): AdaptiveCardJson {
  const waiting = rows.filter((r) => r.awaitingMe && r.state === 'Pending');
  waiting.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return list(
    waiting,
    {
      heading: 'Waiting for your decision',
      summary: waiting.length === 0 ? 'All clear' : plural(waiting.length, 'request'),
      emptyText: 'Nothing is waiting for you. New requests will arrive here as cards.',
      openTitle: 'Review',
      cancel: false,
      detail: (r) =>
        `${r.id} · from ${fitOr(r.requesterName, TEXT_LIMITS.name, 'Unknown user')} · ${stageName(r)} · asked ${cardDateTime(r.createdAt)}`,
      workload: workload && workloadLine(workload),
    },
    false,
  );
}

/** "Your workload: 2 open · 5 decided this week · 3h 12m to decide on average (last 30 days)". */
export function workloadLine(w: WorkloadFigures): string {
  const average =
    w.averageDecisionMs === undefined
      ? `no decisions in the last ${AVERAGE_DAYS} days`
      : `${formatDuration(w.averageDecisionMs)} to decide on average (last ${AVERAGE_DAYS} days)`;
  return `Your workload: ${w.open} open · ${w.decidedThisWeek} decided this week · ${average}`;
}

function list(
  rows: IndexRow[],
  text: {
    heading: string;
    summary: string;
    emptyText: string;
    detail: (row: IndexRow) => string;
    openTitle: string;
    cancel: boolean;
    workload?: string;
  },
  newestFirst = true,
): AdaptiveCardJson {
  const ordered = newestFirst ? [...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : rows;
  const shown = ordered.slice(0, LIST_LIMITS.rows);
  const more = ordered.length - shown.length;
  return render({
    heading: text.heading,
    summary: text.summary,
    hasWorkload: text.workload !== undefined,
    workload: text.workload ?? '',
    isEmpty: rows.length === 0,
    emptyText: text.emptyText,
    rows: shown.map((r) => {
      return {
        id: r.id,
        title: fitOr(r.title, TEXT_LIMITS.title, 'Untitled request'),
        state: STATE_TEXT[r.state] ?? r.state,
        stateColor: STATE_COLOR[r.state] ?? 'Default',
        detail: text.detail(r),
        openTitle: text.openTitle,
        canCancel: text.cancel && r.state === 'Pending',
      };
    }),
    hasMore: more > 0,
    more: `Showing ${shown.length} of ${ordered.length}. ${plural(more, 'more request')} not shown; the approvals API lists them all.`,
  });
}

function stageName(row: IndexRow): string {
  return fitOr(row.stage, TEXT_LIMITS.title, 'an approval stage');
}
