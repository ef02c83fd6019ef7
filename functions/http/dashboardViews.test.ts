/** The approvals view's readings of approval statuses (what the operator dashboard shows). */
import { describe, expect, it } from 'vitest';
import { applySync, type WorkloadState } from '../../domain/workload';
import { APPROVAL_ORCHESTRATOR } from '../approvals/orchestration';
import {
  approvalsView,
  approverWaits,
  approverWorkload,
  openRequests,
  requestOutcomes,
  unreachableApprovers,
  type WorkflowInstance,
} from './dashboardViews';

const T0 = Date.UTC(2026, 10, 2, 9);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const person = (id: string) => ({ id, name: id.toUpperCase(), email: `${id}@contoso.example` });

const inst = (id: string, custom: unknown, runtimeStatus = 'Running'): WorkflowInstance => ({
  name: APPROVAL_ORCHESTRATOR,
  instanceId: id,
  runtimeStatus,
  customStatus: custom,
});

const status = (deadlineS: number, decisions: unknown[], stageIndex = 1) => ({
  title: 'Loan',
  state: 'Pending',
  createdAt: at(0),
  requester: person('pat'),
  decisions,
  unreachable: [person('bob')],
  stage: {
    index: stageIndex,
    count: 2,
    title: 'Risk',
    approvers: [person('bob')],
    awaiting: [person('bob')],
    deadline: at(deadlineS),
    escalated: false,
    startedAt: at(3600),
  },
});

describe('the approvals view', () => {
  it('puts overdue requests first, against the given clock', () => {
    const rows = openRequests(
      [inst('a', status(90_000, [])), inst('b', status(10_000, [])), inst('c', { x: 1 })],
      T0 + 20_000_000,
    );
    expect(rows.map((r) => r.instanceId)).toEqual(['b', 'a']);
    expect(rows.map((r) => r.cells.deadline)).toEqual([at(10_000), at(90_000)]);
  });

  it('leaves out a workflow that ended without writing its outcome, and keeps a suspended one', () => {
    const rows = openRequests(
      [inst('over', status(90_000, []), 'Terminated'), inst('paused', status(90_000, []), 'Suspended')],
      T0,
    );
    expect(rows.map((r) => r.instanceId)).toEqual(['paused']);
  });

  it('measures decisions from the start of their stage and open waits from their stage start', () => {
    const decided = [{ stage: 0, approver: person('meg'), decision: 'approve', at: at(3600) }];
    const rows = approverWaits([inst('a', status(90_000, decided))], T0 + 7200_000);
    const byName = Object.fromEntries(rows.map((r) => [JSON.stringify(r.cells.approver), r.cells]));
    // Bob waits since his stage began (the dashboard renders the time since it on its clock).
    expect(byName[JSON.stringify({ value: 'BOB', tag: 'unreachable', tone: 'bad' })]).toMatchObject({
      decided: 0,
      waiting: 1,
      longest: at(3600),
    });
    // Meg decided an hour after the request began; an earlier stage's start is an estimate.
    expect(byName[JSON.stringify('MEG')]).toMatchObject({
      decided: 1,
      median: { value: 3600_000, approx: true },
      waiting: 0,
    });
  });

  it('lists the approvers the bot cannot reach, with the requests that wait for them', () => {
    expect(unreachableApprovers([inst('a', status(90_000, [])), inst('b', status(90_000, []))])).toEqual([
      { cells: { approver: 'BOB', count: 2, requests: ['a', 'b'] } },
    ]);
  });

  it('shows each request’s outcome and stage in words, never the runtime status or the custom status', () => {
    const closed = (state: string, reason: string, closedAt: string) => ({
      ...status(90_000, []),
      state,
      reason,
      closedAt,
    });
    const rows = requestOutcomes([
      inst('open', { ...status(90_000, []), createdAt: at(50) }),
      inst('yes', { ...closed('Approved', 'Every stage approved', at(900)), createdAt: at(40) }, 'Completed'),
      inst(
        'no',
        { ...closed('Rejected', 'Rejected by BOB at stage "Risk"', at(800)), createdAt: at(30) },
        'Completed',
      ),
      inst(
        'late',
        { ...closed('Expired', 'No decision at stage "Risk" by its deadline', at(700)), createdAt: at(20) },
        'Completed',
      ),
      inst(
        'gone',
        { ...closed('Cancelled', 'Cancelled by the requester', at(600)), createdAt: at(10) },
        'Completed',
      ),
      // Terminated before it could write its outcome: its custom status still says Pending.
      inst('killed', { ...status(90_000, []), createdAt: at(5) }, 'Terminated'),
      inst('paused', { ...status(90_000, []), createdAt: at(1) }, 'Suspended'),
      inst('other', { x: 1 }, 'Completed'),
    ]);
    expect(rows.map((r) => [r.instanceId, r.cells.outcome, r.cells.stage])).toEqual([
      ['open', 'Waiting', 'Risk (2/2)'],
      ['yes', { value: 'Approved', title: 'Every stage approved' }, 'Risk (2/2)'],
      ['no', { value: 'Rejected', title: 'Rejected by BOB at stage "Risk"' }, 'Risk (2/2)'],
      ['late', { value: 'Expired', title: 'No decision at stage "Risk" by its deadline' }, 'Risk (2/2)'],
      ['gone', { value: 'Cancelled', title: 'Cancelled by the requester' }, 'Risk (2/2)'],
      ['killed', { value: 'Cancelled', title: 'Terminated by an operator' }, 'Risk (2/2)'],
      ['paused', { value: 'Waiting', tag: 'suspended', title: 'the workflow is suspended' }, 'Risk (2/2)'],
    ]);
    expect(rows[0]?.cells.why).toBe('waiting for BOB');
    expect(rows[2]?.cells).toMatchObject({ why: 'Rejected by BOB at stage "Risk"', closed: at(800) });
    const everything = JSON.stringify(rows);
    expect(everything).not.toMatch(/Completed|Running|Terminated"|"state"|\{\\"/);
  });

  it('the view has the requests section, and open requests say "Waiting" instead of a runtime status', () => {
    const view = approvalsView([inst('a', status(90_000, []))], [], '7', T0);
    const requests = view.sections.find((x) => x.id === 'requests');
    expect(requests?.columns.map((c) => c.title)).toEqual([
      'Request',
      'Requester',
      'Outcome',
      'Stage',
      'Why',
      'Asked',
      'Closed',
    ]);
    const open = view.sections.find((x) => x.id === 'open-approvals');
    expect(open?.columns.find((c) => c.key === 'status')).toEqual({
      key: 'status',
      title: 'Status',
      kind: 'text',
    });
    expect(open?.rows[0]?.cells.status).toBe('Waiting');
  });

  it('gives each approver their workload from their entity, and counts it from the requests for one with none yet', () => {
    const decided = [{ stage: 0, approver: person('meg'), decision: 'approve', at: at(3600) }];
    const instances = [inst('a', status(90_000, decided)), inst('b', status(90_000, []))];
    const bob: WorkloadState = applySync(undefined, {
      requestId: 'a',
      title: 'Loan',
      at: at(3600),
      awaiting: { stage: 1, askedAt: at(3600) },
      decisions: [],
    });
    const rows = approverWorkload(instances, new Map([['bob', bob]]), T0 + 7200_000);
    expect(rows.map((r) => r.cells)).toEqual([
      // From Bob's entity: the one request it knows of (b started before it was kept).
      { approver: 'BOB', open: 1, decidedThisWeek: 0, average: null, averagedOver: 0, oldestOpen: at(3600) },
      // Meg has no entity state: counted from the requests, and marked as such.
      {
        approver: expect.objectContaining({ value: 'MEG', tag: 'scanned' }),
        open: expect.objectContaining({ value: 0, approx: true }),
        decidedThisWeek: expect.objectContaining({ value: 1, approx: true }),
        average: expect.objectContaining({ value: 3600_000, approx: true }),
        averagedOver: expect.objectContaining({ value: 1, approx: true }),
        oldestOpen: null,
      },
    ]);
    const view = approvalsView(instances, [], '7', T0 + 7200_000, new Map([['bob', bob]]));
    const section = view.sections.find((x) => x.id === 'approver-workload');
    expect(section?.columns.map((c) => c.title)).toEqual([
      'Approver',
      'Open',
      'Decided this week',
      'Average time to decide',
      'Decisions (30 days)',
      'Oldest open',
    ]);
    expect(section?.rows).toHaveLength(2);
  });
});
