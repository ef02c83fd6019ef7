/**
 * What the dashboard reads from the custom status of `approvalWorkflow` instances, and the
 * figures it derives: open requests with their deadlines, and how long each approver keeps
 * requests waiting. The shape mirrors `ApprovalStatus` (functions/approvals/decide.ts); it is
 * restated here, not imported, because the host knows nothing of approvals: the dashboard only
 * reads whatever JSON the status API returns and skips what does not fit.
 */
import type { InstanceStatus } from './api.js';

export const APPROVAL_ORCHESTRATOR = 'approvalWorkflow';
const OPEN = new Set(['Running', 'Pending', 'Suspended']);

export interface Person {
  id: string;
  name: string;
}

export interface ApprovalView {
  title: string;
  kind: string;
  requester: Person;
  createdAt: string;
  state: string;
  stage?: {
    index: number;
    count: number;
    title: string;
    approvers: Person[];
    awaiting: Person[];
    deadline: string;
    escalated: boolean;
    startedAt: string;
  };
  decisions: Array<{ stage: number; approver: Person; decision: string; at: string }>;
  unreachable: Person[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isPerson = (v: unknown): v is Person =>
  isObj(v) && typeof v.id === 'string' && typeof v.name === 'string';
const people = (v: unknown): Person[] => (Array.isArray(v) ? v.filter(isPerson) : []);

/** The custom status as an approval, or undefined when it does not look like one. */
export function asApproval(custom: unknown): ApprovalView | undefined {
  if (!isObj(custom) || typeof custom.state !== 'string' || !Array.isArray(custom.decisions))
    return undefined;
  const s = custom.stage;
  const stage =
    isObj(s) && typeof s.deadline === 'string' && typeof s.startedAt === 'string'
      ? {
          index: Number(s.index ?? 0),
          count: Number(s.count ?? 1),
          title: String(s.title ?? s.name ?? 'stage'),
          approvers: people(s.approvers),
          awaiting: people(s.awaiting),
          deadline: s.deadline,
          escalated: s.escalated === true,
          startedAt: s.startedAt,
        }
      : undefined;
  return {
    title: String(custom.title ?? custom.id ?? ''),
    kind: String(custom.kind ?? ''),
    requester: isPerson(custom.requester) ? custom.requester : { id: '', name: '' },
    createdAt: String(custom.createdAt ?? ''),
    state: custom.state,
    stage,
    decisions: custom.decisions.filter(
      (d): d is ApprovalView['decisions'][number] =>
        isObj(d) && isPerson(d.approver) && typeof d.at === 'string' && typeof d.stage === 'number',
    ),
    unreachable: people(custom.unreachable),
  };
}

export interface OpenRequest {
  instanceId: string;
  runtimeStatus: string;
  approval: ApprovalView;
  deadline: number;
  overdue: boolean;
}

/** Open approval requests, overdue first, then by deadline. */
export function openRequests(instances: InstanceStatus[], now: number): OpenRequest[] {
  const open: OpenRequest[] = [];
  for (const inst of instances) {
    const approval = asApproval(inst.customStatus);
    if (approval?.state !== 'Pending' || !OPEN.has(inst.runtimeStatus)) continue;
    const deadline = approval.stage ? Date.parse(approval.stage.deadline) : Number.NaN;
    open.push({
      instanceId: inst.instanceId,
      runtimeStatus: inst.runtimeStatus,
      approval,
      deadline,
      overdue: deadline < now,
    });
  }
  return open.sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.deadline || 0) - (b.deadline || 0));
}

export interface ApproverWaits {
  approver: Person;
  /** Decision time − stage start, per decision. */
  decided: number[];
  /** Now − stage start, per open stage that awaits this approver. */
  waiting: Array<{ instanceId: string; title: string; ms: number }>;
  unreachable: number;
  /** Some stage starts were estimated (earlier stages: the previous stage's last decision). */
  estimated: boolean;
}

/**
 * When stage `index` began. The status keeps the current stage's start; an earlier stage began
 * when the stage before it was decided (its last decision), and the first one at creation.
 */
function stageStart(a: ApprovalView, index: number): { at: number; estimated: boolean } {
  if (a.stage && a.stage.index === index) return { at: Date.parse(a.stage.startedAt), estimated: false };
  if (index === 0) return { at: Date.parse(a.createdAt), estimated: true };
  const previous = a.decisions.filter((d) => d.stage === index - 1).map((d) => Date.parse(d.at));
  return previous.length
    ? { at: Math.max(...previous), estimated: true }
    : { at: Date.parse(a.createdAt), estimated: true };
}

/** Per approver: how long their decisions took and what they keep waiting now; longest waits first. */
export function approverWaits(instances: InstanceStatus[], now: number): ApproverWaits[] {
  const by = new Map<string, ApproverWaits>();
  const get = (p: Person) => {
    let row = by.get(p.id);
    if (!row) {
      row = { approver: p, decided: [], waiting: [], unreachable: 0, estimated: false };
      by.set(p.id, row);
    }
    return row;
  };
  for (const inst of instances) {
    const a = asApproval(inst.customStatus);
    if (!a) continue;
    for (const d of a.decisions) {
      const start = stageStart(a, d.stage);
      const row = get(d.approver);
      row.decided.push(Date.parse(d.at) - start.at);
      row.estimated ||= start.estimated;
    }
    // A terminated or failed instance may still say "Pending": it waits for no one.
    const open = a.state === 'Pending' && OPEN.has(inst.runtimeStatus);
    if (open && a.stage) {
      const since = Date.parse(a.stage.startedAt);
      for (const p of a.stage.awaiting)
        get(p).waiting.push({ instanceId: inst.instanceId, title: a.title, ms: now - since });
    }
    if (open) for (const p of a.unreachable) get(p).unreachable++;
  }
  const worst = (w: ApproverWaits) => Math.max(0, ...w.waiting.map((x) => x.ms), ...w.decided);
  return [...by.values()].sort((x, y) => worst(y) - worst(x));
}
