/**
 * Signoff's views for the operator dashboard. The dashboard knows nothing of approvals: it asks
 * the app which views it offers and renders the tables they describe (the contract is in
 * host/dashboard/README.md, "App views"). Everything here is read from the custom status of the
 * approval workflows (`ApprovalStatus`) through the durable client.
 *
 *   GET /api/dashboard/views                   the views, and where to ask about one instance
 *   GET /api/dashboard/views/approvals?closedDays=0|7|30&now=<ISO>
 *                                              open requests; every request of the window with its
 *                                              outcome (Waiting, Approved, Rejected, Expired,
 *                                              Cancelled) and stage; how long approvers keep
 *                                              requests waiting (open requests and those created in
 *                                              the last closedDays days); each approver's workload
 *                                              (their ApproverWorkload entity); approvers the bot
 *                                              cannot reach
 *   GET /api/dashboard/instances/{instanceId}  what an open request waits for (the instance page)
 *
 * Admin level, like the Durable API the dashboard also calls: the system (master) key, or on the
 * embedded host the dashboard's session. `now` is the dashboard's clock (the host's virtual
 * clock when it has one); times relative to it are sent as times, for the dashboard to render.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { type ApprovalStatus, isOpen } from '../../domain/decide';
import type { User } from '../../domain/requests';
import { isInstanceId } from '../../domain/validation';
import {
  AVERAGE_DAYS,
  DAY_MS,
  isoWeekStart,
  type WorkloadFigures,
  type WorkloadState,
  workloadFigures,
} from '../../domain/workload';
import { APPROVAL_ORCHESTRATOR } from '../approvals/orchestration';
import { withRuntimeOutcome } from '../approvals/service';
import { readWorkload } from '../approvals/workload';
import { guarded } from './guard';

// The contract's shapes (host/dashboard/README.md), as this app uses them.
type Scalar = string | number | null;
type Cell =
  | Scalar
  | Cell[]
  | { value: Scalar | Cell[]; tag?: string; tone?: 'bad'; title?: string; approx?: boolean };
type Kind = 'text' | 'time' | 'since' | 'due' | 'duration' | 'count' | 'status' | 'list' | 'instances';
interface Row {
  instanceId?: string;
  cells: Record<string, Cell>;
}
interface Section {
  id: string;
  title: string;
  note?: string;
  columns: Array<{ key: string; title: string; kind: Kind }>;
  rows: Row[];
  empty: string;
}

/** What the views read of an instance. */
export interface WorkflowInstance {
  instanceId: string;
  name: string;
  runtimeStatus: string;
  customStatus: unknown;
}

const { Running, Pending, Suspended, Completed, Terminated, Failed } = df.OrchestrationRuntimeStatus;
const OPEN_RUNTIME: string[] = [Running, Pending, Suspended];
const DAY = 86_400_000;

function approvalOf(inst: WorkflowInstance): ApprovalStatus | undefined {
  const s = inst.customStatus as Partial<ApprovalStatus> | null;
  if (inst.name !== APPROVAL_ORCHESTRATOR || typeof s !== 'object' || s === null) return undefined;
  return typeof s.state === 'string' && Array.isArray(s.decisions) ? (s as ApprovalStatus) : undefined;
}

/**
 * Whether the request waits on someone: Pending, with the workflow still there to receive the
 * decision. A terminated or failed workflow may still say Pending (it never wrote its final
 * status): it is over. A suspended one is open.
 */
const waitsOnSomeone = (inst: WorkflowInstance, a: ApprovalStatus) =>
  isOpen(a) && OPEN_RUNTIME.includes(inst.runtimeStatus);

const pending = (instances: WorkflowInstance[]) =>
  instances.flatMap((inst) => {
    const a = approvalOf(inst);
    return a && waitsOnSomeone(inst, a) ? [{ inst, a }] : [];
  });

/** Open requests, overdue first, then by deadline. */
export function openRequests(instances: WorkflowInstance[], now: number): Row[] {
  const deadline = (a: ApprovalStatus) => (a.stage ? Date.parse(a.stage.deadline) : Number.NaN);
  const overdue = (a: ApprovalStatus) => Number(deadline(a) < now);
  return pending(instances)
    .sort((x, y) => overdue(y.a) - overdue(x.a) || (deadline(x.a) || 0) - (deadline(y.a) || 0))
    .map(({ inst, a }) => {
      const s = a.stage;
      const cannot = new Set(a.unreachable.map((u) => u.id));
      return {
        instanceId: inst.instanceId,
        cells: {
          request: a.title || inst.instanceId,
          requester: a.requester.name,
          stage: s
            ? { value: `${s.title} (${s.index + 1}/${s.count})`, tag: s.escalated ? 'escalated' : undefined }
            : null,
          awaiting: s
            ? s.awaiting.map((p) =>
                cannot.has(p.id)
                  ? { value: p.name, tone: 'bad', title: 'cannot be reached by the bot' }
                  : p.name,
              )
            : null,
          age: a.createdAt,
          inStage: s?.startedAt ?? null,
          deadline: s?.deadline ?? null,
          status: waitingCell(inst, a),
        },
      };
    });
}

/** An open request's state in words: waiting, and whether its workflow is suspended or held up. */
function waitingCell(inst: WorkflowInstance, a: ApprovalStatus): Cell {
  if (a.waitingFor) return { value: 'Waiting', tag: 'held', tone: 'bad', title: `for ${a.waitingFor.what}` };
  if (inst.runtimeStatus === df.OrchestrationRuntimeStatus.Suspended)
    return { value: 'Waiting', tag: 'suspended', title: 'the workflow is suspended' };
  return 'Waiting';
}

const OUTCOME_WORD: Record<ApprovalStatus['state'], string> = {
  Pending: 'Waiting',
  Approved: 'Approved',
  Rejected: 'Rejected',
  Expired: 'Expired',
  Cancelled: 'Cancelled',
};

/** At most this many rows in "Requests": the newest. */
export const REQUEST_ROWS = 200;

/**
 * Every approval request of the window, newest first, as an approvals user reads it: its outcome
 * (never the workflow's runtime status: "Completed" says nothing of approved or rejected), the
 * stage it is at or ended at, and why it ended. A workflow terminated or failed before writing
 * its outcome is shown as the approvals API shows it (cancelled, saying why).
 */
export function requestOutcomes(instances: WorkflowInstance[]): Row[] {
  const seen = new Set<string>();
  return instances
    .flatMap((inst) => {
      const custom = approvalOf(inst);
      if (!custom || seen.has(inst.instanceId)) return [];
      seen.add(inst.instanceId);
      return [{ inst, a: withRuntimeOutcome(custom, inst.runtimeStatus, undefined) }];
    })
    .sort((x, y) => y.a.createdAt.localeCompare(x.a.createdAt))
    .slice(0, REQUEST_ROWS)
    .map(({ inst, a }) => {
      const s = a.stage;
      const open = a.state === 'Pending';
      const awaiting = s?.awaiting.map((p) => p.name).join(', ');
      return {
        instanceId: inst.instanceId,
        cells: {
          request: a.title || inst.instanceId,
          requester: a.requester.name,
          outcome: open ? waitingCell(inst, a) : { value: OUTCOME_WORD[a.state], title: a.reason },
          stage: s ? `${s.title} (${s.index + 1}/${s.count})` : null,
          why: open ? (awaiting ? `waiting for ${awaiting}` : null) : (a.reason ?? null),
          created: a.createdAt,
          closed: a.closedAt ?? null,
        },
      };
    });
}

/**
 * When stage `index` began. The status keeps the current stage's start; an earlier stage began
 * when the stage before it was decided (its last decision), and the first one at creation.
 */
function stageStart(a: ApprovalStatus, index: number): { at: number; estimated: boolean } {
  if (a.stage && a.stage.index === index) return { at: Date.parse(a.stage.startedAt), estimated: false };
  if (index === 0) return { at: Date.parse(a.createdAt), estimated: true };
  const previous = a.decisions.filter((d) => d.stage === index - 1).map((d) => Date.parse(d.at));
  return previous.length
    ? { at: Math.max(...previous), estimated: true }
    : { at: Date.parse(a.createdAt), estimated: true };
}

interface Waits {
  approver: User;
  /** Decision time − stage start, per decision. */
  decided: number[];
  /** Start of each open stage that awaits this approver. */
  waitingSince: number[];
  unreachable: number;
  /** Some stage starts were estimated (earlier stages: the previous stage's last decision). */
  estimated: boolean;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

/** Per approver: how long their decisions took and what they keep waiting now; longest waits first. */
export function approverWaits(instances: WorkflowInstance[], now: number): Row[] {
  const by = new Map<string, Waits>();
  const get = (p: User) => {
    let row = by.get(p.id);
    if (!row) {
      row = { approver: p, decided: [], waitingSince: [], unreachable: 0, estimated: false };
      by.set(p.id, row);
    }
    return row;
  };
  for (const inst of instances) {
    const a = approvalOf(inst);
    if (!a) continue;
    for (const d of a.decisions) {
      const start = stageStart(a, d.stage);
      const row = get(d.approver);
      row.decided.push(Date.parse(d.at) - start.at);
      row.estimated ||= start.estimated;
    }
    if (!waitsOnSomeone(inst, a)) continue;
    if (a.stage) for (const p of a.stage.awaiting) get(p).waitingSince.push(Date.parse(a.stage.startedAt));
    for (const p of a.unreachable) get(p).unreachable++;
  }
  const worst = (w: Waits) => Math.max(0, ...w.waitingSince.map((since) => now - since), ...w.decided);
  return [...by.values()]
    .sort((x, y) => worst(y) - worst(x))
    .map((w) => {
      const decided = (value: number) => (w.decided.length ? { value, approx: w.estimated } : null);
      return {
        cells: {
          approver: w.unreachable
            ? { value: w.approver.name, tag: 'unreachable', tone: 'bad' }
            : w.approver.name,
          decided: w.decided.length,
          median: decided(w.decided.length ? percentile(w.decided, 50) : 0),
          slowest: decided(Math.max(...w.decided)),
          waiting: w.waitingSince.length,
          longest: w.waitingSince.length ? new Date(Math.min(...w.waitingSince)).toISOString() : null,
        },
      };
    });
}

/** Everyone asked to approve in `instances`, by id (the name of their latest appearance). */
export function approversIn(instances: WorkflowInstance[]): Map<string, User> {
  const found = new Map<string, User>();
  for (const inst of instances) {
    const a = approvalOf(inst);
    if (!a) continue;
    for (const d of a.decisions) found.set(d.approver.id, d.approver);
    for (const p of a.stage?.approvers ?? []) found.set(p.id, p);
    for (const p of a.stage?.awaiting ?? []) found.set(p.id, p);
  }
  return found;
}

/**
 * An approver's figures counted from the requests scanned, for approvers whose workload entity has
 * no state yet (every request that involved them started before the workload was kept, and has
 * not moved since). Decisions of earlier stages are timed from an estimated stage start.
 */
export function scannedWorkload(
  approverId: string,
  instances: WorkflowInstance[],
  now: number,
): WorkloadFigures {
  const weekStart = isoWeekStart(now);
  const openSince: string[] = [];
  let decidedThisWeek = 0;
  const durations: number[] = [];
  for (const inst of instances) {
    const a = approvalOf(inst);
    if (!a) continue;
    for (const d of a.decisions) {
      if (d.approver.id !== approverId) continue;
      const decided = Date.parse(d.at);
      if (decided >= weekStart && decided < weekStart + 7 * DAY_MS) decidedThisWeek++;
      if (decided > now - AVERAGE_DAYS * DAY_MS && decided <= now) {
        durations.push(Math.max(0, decided - stageStart(a, d.stage).at));
      }
    }
    if (waitsOnSomeone(inst, a) && a.stage?.awaiting.some((p) => p.id === approverId)) {
      openSince.push(a.stage.startedAt);
    }
  }
  openSince.sort();
  return {
    open: openSince.length,
    ...(openSince[0] ? { oldestOpenSince: openSince[0] } : {}),
    decidedThisWeek,
    weekStart: new Date(weekStart).toISOString(),
    ...(durations.length
      ? { averageDecisionMs: Math.round(durations.reduce((sum, ms) => sum + ms, 0) / durations.length) }
      : {}),
    averagedOver: durations.length,
  };
}

/**
 * Per approver asked in `instances`: their workload from their entity's state (`workloads`, by
 * approver id) at `now`; for one with no state yet, the same figures counted from `instances`,
 * marked ≈. Most open requests first.
 */
export function approverWorkload(
  instances: WorkflowInstance[],
  workloads: ReadonlyMap<string, WorkloadState>,
  now: number,
): Row[] {
  const scanned = 'no workload recorded for them yet: counted from the requests in this view';
  return [...approversIn(instances).values()]
    .map((approver) => {
      const state = workloads.get(approver.id);
      const figures = state ? workloadFigures(state, now) : scannedWorkload(approver.id, instances, now);
      return { approver, figures, estimated: !state };
    })
    .sort(
      (x, y) =>
        y.figures.open - x.figures.open ||
        y.figures.decidedThisWeek - x.figures.decidedThisWeek ||
        x.approver.name.localeCompare(y.approver.name),
    )
    .map(({ approver, figures, estimated }) => {
      const mark = (value: Scalar): Cell => (estimated ? { value, approx: true, title: scanned } : value);
      return {
        cells: {
          approver: estimated ? { value: approver.name, tag: 'scanned', title: scanned } : approver.name,
          open: mark(figures.open),
          decidedThisWeek: mark(figures.decidedThisWeek),
          average: figures.averageDecisionMs === undefined ? null : mark(figures.averageDecisionMs),
          averagedOver: mark(figures.averagedOver),
          oldestOpen: figures.oldestOpenSince ?? null,
        },
      };
    });
}

/** Approvers the bot could not notify, with the open requests that wait for them. */
export function unreachableApprovers(instances: WorkflowInstance[]): Row[] {
  const by = new Map<string, { name: string; requests: string[] }>();
  for (const { inst, a } of pending(instances)) {
    for (const u of a.unreachable) {
      const entry = by.get(u.id) ?? { name: u.name, requests: [] };
      entry.requests.push(inst.instanceId);
      by.set(u.id, entry);
    }
  }
  return [...by.values()].map((u) => ({
    cells: { approver: u.name, count: u.requests.length, requests: u.requests },
  }));
}

/** The approvals view over open instances and the recently closed ones. */
export function approvalsView(
  open: WorkflowInstance[],
  closed: WorkflowInstance[],
  closedDays: string,
  now: number,
  workloads: ReadonlyMap<string, WorkloadState> = new Map(),
) {
  const sections: Section[] = [
    {
      id: 'open-approvals',
      title: 'Open requests',
      columns: [
        { key: 'request', title: 'Request', kind: 'text' },
        { key: 'requester', title: 'Requester', kind: 'text' },
        { key: 'stage', title: 'Stage', kind: 'text' },
        { key: 'awaiting', title: 'Awaiting', kind: 'list' },
        { key: 'age', title: 'Age', kind: 'since' },
        { key: 'inStage', title: 'In stage', kind: 'since' },
        { key: 'deadline', title: 'Deadline', kind: 'due' },
        { key: 'status', title: 'Status', kind: 'text' },
      ],
      rows: openRequests(open, now),
      empty: 'No open approval requests.',
    },
    {
      id: 'requests',
      title: 'Requests and their outcomes',
      note:
        closedDays === '0'
          ? 'Open requests only; choose a window above to see closed ones.'
          : `Open requests and those created in the last ${closedDays} days, newest first (at most ${REQUEST_ROWS}).`,
      columns: [
        { key: 'request', title: 'Request', kind: 'text' },
        { key: 'requester', title: 'Requester', kind: 'text' },
        { key: 'outcome', title: 'Outcome', kind: 'text' },
        { key: 'stage', title: 'Stage', kind: 'text' },
        { key: 'why', title: 'Why', kind: 'text' },
        { key: 'created', title: 'Asked', kind: 'time' },
        { key: 'closed', title: 'Closed', kind: 'time' },
      ],
      rows: requestOutcomes([...open, ...closed]),
      empty: 'No approval requests in this window.',
    },
    {
      id: 'approver-workload',
      title: 'Approver workload',
      note:
        'Per approver asked in the requests of this view, from their workload record: requests waiting for their decision now, ' +
        'their decisions this week (ISO week, from Monday 00:00 UTC), and the mean time from being asked to deciding over their ' +
        `decisions of the last ${AVERAGE_DAYS} days, whichever requests they were on. Marked ≈: no record yet ` +
        '(requests started before it was kept), counted from the requests in this view instead.',
      columns: [
        { key: 'approver', title: 'Approver', kind: 'text' },
        { key: 'open', title: 'Open', kind: 'count' },
        { key: 'decidedThisWeek', title: 'Decided this week', kind: 'count' },
        { key: 'average', title: 'Average time to decide', kind: 'duration' },
        { key: 'averagedOver', title: `Decisions (${AVERAGE_DAYS} days)`, kind: 'count' },
        { key: 'oldestOpen', title: 'Oldest open', kind: 'since' },
      ],
      rows: approverWorkload([...open, ...closed], workloads, now),
      empty: 'Nobody has been asked to approve in this window.',
    },
    {
      id: 'approver-waits',
      title: 'How long approvers keep requests waiting',
      note:
        'Decided: decision time − start of that stage. Waiting now: now − start of the open stage that awaits them. ' +
        'Earlier stages have no recorded start; it is taken as the previous stage’s last decision (or the request’s creation), marked ≈.',
      columns: [
        { key: 'approver', title: 'Approver', kind: 'text' },
        { key: 'decided', title: 'Decided', kind: 'count' },
        { key: 'median', title: 'Median decision', kind: 'duration' },
        { key: 'slowest', title: 'Slowest decision', kind: 'duration' },
        { key: 'waiting', title: 'Waiting on them now', kind: 'count' },
        { key: 'longest', title: 'Longest open wait', kind: 'since' },
      ],
      rows: approverWaits([...open, ...closed], now),
      empty: 'No decisions or awaited approvers yet.',
    },
    {
      id: 'unreachable',
      title: 'Approvers who cannot be reached',
      note: 'The bot could not notify them: they have not seen these requests.',
      columns: [
        { key: 'approver', title: 'Approver', kind: 'text' },
        { key: 'count', title: 'Open requests', kind: 'count' },
        { key: 'requests', title: 'Requests', kind: 'instances' },
      ],
      rows: unreachableApprovers(open),
      empty: 'Every awaited approver could be notified.',
    },
  ];
  return {
    title: 'Approvals',
    parameters: [
      {
        name: 'closedDays',
        title: 'Closed requests from',
        value: closedDays,
        options: [
          { value: '0', title: 'open requests only' },
          { value: '7', title: '+ closed in the last 7 days' },
          { value: '30', title: '+ closed in the last 30 days' },
        ],
      },
    ],
    sections,
  };
}

/** What an open request waits for, as lines of the instance page's "Waiting for". */
export function instanceWaits(inst: WorkflowInstance) {
  const a = approvalOf(inst);
  const stage = a?.stage;
  if (!a || !stage || !waitsOnSomeone(inst, a) || stage.awaiting.length === 0) return [];
  const unreachable = stage.awaiting.filter((p) => a.unreachable.some((u) => u.id === p.id));
  return [
    {
      text: `a decision from ${stage.awaiting.map((p) => p.name).join(', ')} at "${stage.title}"`,
      since: stage.startedAt,
      until: stage.deadline,
    },
    ...(unreachable.length
      ? [
          {
            text: `(the bot could not notify ${unreachable.map((p) => p.name).join(', ')}: they have not seen the request; ask them to open the Signoff bot in Teams)`,
          },
        ]
      : []),
  ];
}

const client = df.input.durableClient();

/** The workload entities' states of `approverIds` that have one, a few reads at a time. */
async function readWorkloads(
  durable: df.DurableClient,
  approverIds: string[],
): Promise<Map<string, WorkloadState>> {
  const found = new Map<string, WorkloadState>();
  for (let i = 0; i < approverIds.length; i += 8) {
    const batch = approverIds.slice(i, i + 8);
    const states = await Promise.all(batch.map((id) => readWorkload(durable, id)));
    batch.forEach((id, j) => {
      const state = states[j];
      if (state) found.set(id, state);
    });
  }
  return found;
}

const asInstance = (s: df.DurableOrchestrationStatus): WorkflowInstance => ({
  instanceId: s.instanceId,
  name: s.name,
  runtimeStatus: String(s.runtimeStatus),
  customStatus: s.customStatus,
});

/** The dashboard's clock when it sent one, else this app's. */
function clockOf(request: HttpRequest): number {
  const now = Date.parse(request.query.get('now') ?? '');
  return Number.isNaN(now) ? Date.now() : now;
}

app.http('dashboardViews', {
  route: 'dashboard/views',
  methods: ['GET'],
  authLevel: 'admin',
  handler: async (): Promise<HttpResponseInit> => ({
    jsonBody: {
      views: [{ id: 'approvals', title: 'Approvals', url: '/api/dashboard/views/approvals' }],
      instance: '/api/dashboard/instances/{instanceId}',
    },
  }),
});

app.http('dashboardApprovals', {
  route: 'dashboard/views/approvals',
  methods: ['GET'],
  authLevel: 'admin',
  extraInputs: [client],
  handler: guarded(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const now = clockOf(request);
    const asked = request.query.get('closedDays') ?? '30';
    const closedDays = ['0', '7', '30'].includes(asked) ? asked : '30';
    const durable = df.getClient(context);
    const open = await durable.getStatusBy({ runtimeStatus: [Running, Pending, Suspended] });
    const closed =
      closedDays === '0'
        ? []
        : await durable.getStatusBy({
            runtimeStatus: [Completed, Terminated, Failed],
            createdTimeFrom: new Date(now - Number(closedDays) * DAY),
          });
    const instances = [...open, ...closed].map(asInstance);
    const workloads = await readWorkloads(durable, [...approversIn(instances).keys()]);
    return {
      jsonBody: approvalsView(open.map(asInstance), closed.map(asInstance), closedDays, now, workloads),
    };
  }),
});

app.http('dashboardInstance', {
  route: 'dashboard/instances/{instanceId}',
  methods: ['GET'],
  authLevel: 'admin',
  extraInputs: [client],
  handler: guarded(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const id = request.params.instanceId ?? '';
    if (!isInstanceId(id)) return { status: 404, jsonBody: { error: `No instance "${id}"` } };
    let status: df.DurableOrchestrationStatus;
    try {
      status = await df.getClient(context).getStatus(id, { showInput: false });
    } catch (error) {
      // The client says 404 only in its message.
      if (!/HTTP 404/.test((error as Error).message)) throw error;
      return { status: 404, jsonBody: { error: `No instance "${id}"` } };
    }
    return { jsonBody: { waiting: instanceWaits(asInstance(status)) } };
  }),
});
