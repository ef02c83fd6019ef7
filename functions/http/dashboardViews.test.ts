/** The approvals view's readings of approval statuses (what the operator dashboard shows). */
import { describe, expect, it } from 'vitest';
import { APPROVAL_ORCHESTRATOR } from '../approvals/orchestration';
import { approverWaits, openRequests, unreachableApprovers, type WorkflowInstance } from './dashboardViews';

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
});
