/**
 * An approver's workload: the requests waiting for their decision now, the decisions they made
 * this week, and how long they take to decide. It is kept per approver (the `ApproverWorkload`
 * durable entity, keyed by the approver's id) from what the approval workflow records, as plain
 * data and pure functions here, so the entity, the bot and the dashboard read it alike.
 *
 * The workflow tells an approver's entity, each time it records a request's status, where that
 * request stands for them (a {@link WorkloadSync}): whether it waits for them now, and at which
 * stage, and the decisions they made on it. An update is a statement of state, not a delta, so
 * applying one twice (an activity retried, a signal delivered again) changes nothing, and an
 * update older than the one applied last for that request (by the workflow's clock) is ignored:
 * counts never double and a decided request never reopens.
 *
 * Definitions (all times are the workflow's, ISO 8601 UTC, so the virtual clock of tests drives
 * them; the entity never reads a clock):
 * - open: the requests that wait for this approver's decision now;
 * - decided this week: their decisions (approve or reject) made in the ISO week, in UTC, that
 *   contains "now" (Monday 00:00 UTC to the next Monday 00:00 UTC);
 * - average time to decide: the mean of decision time − the time they were asked (the stage's
 *   start, or the escalation that asked them), over their decisions of the last
 *   {@link AVERAGE_DAYS} days before "now".
 */

import { approversAsked } from './access';
import type { ApprovalStatus } from './decide';

export const WORKLOAD_ENTITY = 'ApproverWorkload';
/** The entity operation that applies a {@link WorkloadSync}. */
export const WORKLOAD_SYNC_OP = 'sync';

export const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** The window of the average time to decide. */
export const AVERAGE_DAYS = 30;
/**
 * Closed requests are kept this long after their last change (longer than any window read); they
 * are dropped at the first update of each day (the workflow's clock), so one may stay a day more.
 */
export const KEEP_DAYS = 35;
/** At most this many requests per approver are kept; the oldest closed ones go first. */
export const MAX_REQUESTS = 2_000;
/**
 * Past {@link MAX_REQUESTS}, closed requests are dropped until this many fewer are kept, so that
 * the sort that finds the oldest runs once per this many updates, not at every one.
 */
const MAX_SLACK = 100;

export interface WorkloadDecision {
  stage: number;
  decision: 'approve' | 'reject';
  decidedAt: string;
  /** When they were asked at that stage; unknown for requests the entity saw only once decided. */
  askedAt?: string;
}

/** Where one request stands for one approver. */
export interface WorkloadRequest {
  title: string;
  /** The workflow time of the last update applied. */
  at: string;
  /** Set while the request waits for this approver's decision. */
  awaiting?: { stage: number; askedAt: string };
  decisions: WorkloadDecision[];
}

/**
 * A request that no longer waits for the approver, as few bytes as it can be (the state is read
 * and written whole at every update, and an approver may have 2,000 of them): its last update's
 * time, then per decision its stage, 1 for approve or 0 for reject, when it was made and when they
 * were asked (-1: unknown), times in ms since 1970. The title is not kept: nothing reads it.
 */
export type ClosedRequest = number[];

/**
 * The entity's state. States written before `closed` existed hold their closed requests in
 * `requests`, without `awaiting`; they are read as they are and moved at the next update.
 */
export interface WorkloadState {
  /** The requests waiting for the approver's decision. */
  requests: Record<string, WorkloadRequest>;
  /** The others, kept for the figures and so that an older update never reopens one. */
  closed?: Record<string, ClosedRequest>;
  /** The latest workflow time of any update applied. */
  lastAt: string;
  /** The day (of `lastAt`, days since 1970 UTC) closed requests were last dropped by age. */
  prunedDay?: number;
}

/** The operation's input: where request `requestId` stands for this approver at `at`. */
export interface WorkloadSync {
  requestId: string;
  title: string;
  at: string;
  /** The stage at which it waits for them now, if it does; `askedAt` when the status knows it. */
  awaiting?: { stage: number; askedAt?: string };
  decisions: Array<{ stage: number; decision: 'approve' | 'reject'; at: string; askedAt?: string }>;
}

/** The figures the `pending` command and the dashboard show. */
export interface WorkloadFigures {
  open: number;
  /** When the longest-waiting open request asked them. */
  oldestOpenSince?: string;
  decidedThisWeek: number;
  /** Monday 00:00 UTC of the week counted. */
  weekStart: string;
  /** Mean decision time in ms over the last AVERAGE_DAYS days; absent with no such decision. */
  averageDecisionMs?: number;
  /** How many decisions the average is over. */
  averagedOver: number;
}

export const emptyWorkload = (): WorkloadState => ({ requests: {}, lastAt: '' });

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** Monday 00:00 UTC of the ISO week that contains `ms`. */
export function isoWeekStart(ms: number): number {
  const day = new Date(ms);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return midnight - sinceMonday * DAY_MS;
}

/** Whether `value` looks like a {@link WorkloadSync} (the entity checks its input). */
export function isWorkloadSync(value: unknown): value is WorkloadSync {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<WorkloadSync>;
  const isTime = (t: unknown) => typeof t === 'string' && !Number.isNaN(Date.parse(t));
  const optionalTime = (t: unknown) => t === undefined || isTime(t);
  const isStage = (s: unknown) => Number.isInteger(s) && (s as number) >= 0;
  return (
    typeof v.requestId === 'string' &&
    v.requestId.length > 0 &&
    typeof v.title === 'string' &&
    isTime(v.at) &&
    (v.awaiting === undefined ||
      (typeof v.awaiting === 'object' &&
        v.awaiting !== null &&
        isStage(v.awaiting.stage) &&
        optionalTime(v.awaiting.askedAt))) &&
    Array.isArray(v.decisions) &&
    v.decisions.every(
      (d) =>
        typeof d === 'object' &&
        d !== null &&
        isStage(d.stage) &&
        (d.decision === 'approve' || d.decision === 'reject') &&
        isTime(d.at) &&
        optionalTime(d.askedAt),
    )
  );
}

/**
 * Applies `sync` to `state` in place and returns it (a new state when there is none): the entity
 * owns the state it is given, and a copy of an approver's 2,000 requests at every update would
 * cost more than the update. Idempotent, and an update older than the request's last one is
 * ignored. A request the approver has no part in yet (not awaiting them, no decision of theirs)
 * is not added.
 */
export function applySync(state: WorkloadState | undefined, sync: WorkloadSync): WorkloadState {
  const current = state ?? emptyWorkload();
  const id = sync.requestId;
  const compact = current.closed?.[id];
  const before = current.requests[id] ?? (compact ? expand(compact) : undefined);
  const at = time(sync.at);
  if (before && at < time(before.at)) return current;
  if (!before && !sync.awaiting && sync.decisions.length === 0) return current;

  const decisions = [...(before?.decisions ?? [])];
  for (const d of sync.decisions) {
    if (decisions.some((known) => known.stage === d.stage)) continue;
    const asked = before?.awaiting?.stage === d.stage ? before.awaiting.askedAt : d.askedAt;
    decisions.push({
      stage: d.stage,
      decision: d.decision,
      decidedAt: d.at,
      ...(asked ? { askedAt: asked } : {}),
    });
  }
  decisions.sort((a, b) => a.stage - b.stage);

  let awaiting: WorkloadRequest['awaiting'];
  const wanted = sync.awaiting;
  if (wanted && !decisions.some((d) => d.stage === wanted.stage)) {
    awaiting =
      before?.awaiting?.stage === wanted.stage
        ? before.awaiting
        : { stage: wanted.stage, askedAt: wanted.askedAt ?? sync.at };
  }

  const request: WorkloadRequest = {
    title: sync.title,
    at: sync.at,
    ...(awaiting ? { awaiting } : {}),
    decisions,
  };
  const added = !before;
  current.lastAt = time(current.lastAt) >= at ? current.lastAt : sync.at;
  if (awaiting) {
    current.requests[id] = request;
    if (compact) delete current.closed?.[id];
  } else {
    delete current.requests[id];
    current.closed ??= {};
    current.closed[id] = compactOf(request);
  }
  return prune(current, added);
}

function compactOf(r: WorkloadRequest): ClosedRequest {
  const row = [time(r.at)];
  for (const d of r.decisions) {
    const asked = time(d.askedAt);
    row.push(d.stage, d.decision === 'approve' ? 1 : 0, time(d.decidedAt), Number.isNaN(asked) ? -1 : asked);
  }
  return row;
}

/** The decisions in a row that {@link compactOf} wrote; `askedAt` is NaN when unknown. */
function closedDecisions(
  row: ClosedRequest,
): Array<{ stage: number; approve: boolean; decidedAt: number; askedAt: number }> {
  const decisions = [];
  for (let i = 1; i + 3 < row.length; i += 4) {
    const asked = row[i + 3] as number;
    decisions.push({
      stage: row[i] as number,
      approve: row[i + 1] === 1,
      decidedAt: row[i + 2] as number,
      askedAt: asked >= 0 ? asked : Number.NaN,
    });
  }
  return decisions;
}

const iso = (ms: number) => new Date(ms).toISOString();

function expand(row: ClosedRequest): WorkloadRequest {
  const decisions = closedDecisions(row).map(
    (d): WorkloadDecision => ({
      stage: d.stage,
      decision: d.approve ? 'approve' : 'reject',
      decidedAt: iso(d.decidedAt),
      ...(Number.isNaN(d.askedAt) ? {} : { askedAt: iso(d.askedAt) }),
    }),
  );
  return { title: '', at: iso(row[0] as number), decisions };
}

/** When a request last changed for the approver: its last update or last decision. */
function lastChange(r: WorkloadRequest): number {
  return Math.max(time(r.at), ...r.decisions.map((d) => time(d.decidedAt)));
}

function lastChangeOf(row: ClosedRequest): number {
  return Math.max(row[0] as number, ...closedDecisions(row).map((d) => d.decidedAt));
}

/**
 * Drops closed requests older than KEEP_DAYS before `lastAt` (once a day: an update costs what
 * its request does, not what the approver's whole history does), and the oldest closed ones when
 * there are more than MAX_REQUESTS (down to MAX_SLACK fewer). The daily pass also moves the closed
 * requests of a state written before `closed` existed into it.
 */
function prune(state: WorkloadState, added: boolean): WorkloadState {
  const day = Math.floor(time(state.lastAt) / DAY_MS);
  const byAge = state.prunedDay === undefined || day > state.prunedDay;
  // Only a new request can take the count past the cap.
  const count = () => Object.keys(state.requests).length + Object.keys(state.closed ?? {}).length;
  if (!byAge && !(added && count() > MAX_REQUESTS)) return state;
  if (byAge) {
    const cutoff = time(state.lastAt) - KEEP_DAYS * DAY_MS;
    const closed = state.closed ?? {};
    for (const [id, r] of Object.entries(state.requests)) {
      if (r.awaiting) continue;
      delete state.requests[id];
      if (lastChange(r) >= cutoff) closed[id] = compactOf(r);
    }
    for (const [id, row] of Object.entries(closed)) {
      if (lastChangeOf(row) < cutoff) delete closed[id];
    }
    state.closed = closed;
    state.prunedDay = day;
  }
  const total = count();
  if (total > MAX_REQUESTS) {
    const closed = state.closed ?? {};
    const oldest = Object.entries(closed)
      .map(([id, row]) => ({ id, changed: lastChangeOf(row) }))
      .sort((a, b) => a.changed - b.changed)
      .slice(0, total - (MAX_REQUESTS - MAX_SLACK));
    for (const { id } of oldest) delete closed[id];
  }
  return state;
}

/** The figures at `now` (ms; the reader's clock, see the module's definitions). */
export function workloadFigures(state: WorkloadState, now: number): WorkloadFigures {
  const weekStart = isoWeekStart(now);
  const averageFrom = now - AVERAGE_DAYS * DAY_MS;
  const requests = Object.values(state.requests);
  const asked = requests.flatMap((r) => (r.awaiting ? [r.awaiting.askedAt] : [])).sort();
  let decidedThisWeek = 0;
  const durations: number[] = [];
  const count = (decided: number, askedAt: number) => {
    if (decided >= weekStart && decided < weekStart + WEEK_MS) decidedThisWeek++;
    if (decided > averageFrom && decided <= now && !Number.isNaN(askedAt)) {
      durations.push(Math.max(0, decided - askedAt));
    }
  };
  for (const d of requests.flatMap((r) => r.decisions)) count(time(d.decidedAt), time(d.askedAt));
  for (const row of Object.values(state.closed ?? {})) {
    for (const d of closedDecisions(row)) count(d.decidedAt, d.askedAt);
  }
  return {
    open: asked.length,
    ...(asked[0] ? { oldestOpenSince: asked[0] } : {}),
    decidedThisWeek,
    weekStart: new Date(weekStart).toISOString(),
    ...(durations.length
      ? { averageDecisionMs: Math.round(durations.reduce((sum, ms) => sum + ms, 0) / durations.length) }
      : {}),
    averagedOver: durations.length,
  };
}

/**
 * The clock a reader without the workflow's clock (the bot) counts "this week" by: its own, or
 * the latest workflow time the entity saw when that is later (a virtual clock run ahead).
 */
export function readerNow(state: WorkloadState, own: number): number {
  const last = time(state.lastAt);
  return Number.isNaN(last) ? own : Math.max(own, last);
}

/**
 * The update for each approver asked so far, from the request's status as the workflow records it
 * at `at` (its clock). Who the approvers are comes from the status only. An approver no longer
 * awaited (the stage passed without them, an escalation went to others, the request closed) gets
 * an update without `awaiting`, which closes the request for them.
 */
export function workloadSyncs(
  status: ApprovalStatus,
  at: string,
): Array<{ approverId: string; sync: WorkloadSync }> {
  const stage = status.stage;
  const open = status.state === 'Pending';
  const awaited = new Set(open && stage ? stage.awaiting.map((a) => a.id) : []);
  // The stage's start is when its first approvers were asked; escalated approvers were asked
  // later, when the workflow first records them (the entity then takes the update's time).
  const askedAt = (index: number) =>
    stage && stage.index === index && !stage.escalated ? stage.startedAt : undefined;
  return approversAsked(status).map((approverId) => {
    const decisions = status.decisions
      .filter((d) => d.approver.id === approverId)
      .map((d) => {
        const asked = askedAt(d.stage);
        return { stage: d.stage, decision: d.decision, at: d.at, ...(asked ? { askedAt: asked } : {}) };
      });
    const sync: WorkloadSync = { requestId: status.id, title: status.title, at, decisions };
    if (stage && awaited.has(approverId)) {
      const asked = askedAt(stage.index);
      sync.awaiting = { stage: stage.index, ...(asked ? { askedAt: asked } : {}) };
    }
    return { approverId, sync };
  });
}
