import { describe, expect, it } from 'vitest';
import { type ApprovalStatus, applyDecision } from './decide';
import {
  AVERAGE_DAYS,
  applySync,
  DAY_MS,
  emptyWorkload,
  isoWeekStart,
  isWorkloadSync,
  KEEP_DAYS,
  MAX_REQUESTS,
  readerNow,
  type WorkloadState,
  type WorkloadSync,
  workloadFigures,
  workloadSyncs,
} from './workload';

const user = (id: string) => ({ id, name: id.toUpperCase(), email: `${id}@x.example` });
const T0 = Date.parse('2026-11-25T10:00:00.000Z'); // a Wednesday
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();
/** Every request the state keeps, open or closed. */
const keptIds = (state: WorkloadState) => [
  ...Object.keys(state.requests),
  ...Object.keys(state.closed ?? {}),
];

function status(overrides: Partial<ApprovalStatus> = {}): ApprovalStatus {
  return {
    id: 'generic-1',
    kind: 'generic',
    title: 'Laptop',
    requester: user('req'),
    request: { title: 'Laptop', details: '' },
    createdAt: at(0),
    state: 'Pending',
    decisions: [],
    unreachable: [],
    approversAsked: ['a', 'b'],
    stage: {
      index: 0,
      count: 2,
      name: 'finance',
      title: 'Finance',
      approvers: [user('a'), user('b')],
      awaiting: [user('a'), user('b')],
      mode: { type: 'any' },
      required: 1,
      approvals: 0,
      deadline: at(48),
      escalated: false,
      startedAt: at(0),
    },
    ...overrides,
  };
}

/** Applies the workflow's updates of `s` at `when` to the states of every approver. */
function record(states: Map<string, WorkloadState>, s: ApprovalStatus, when: string) {
  for (const { approverId, sync } of workloadSyncs(s, when)) {
    states.set(approverId, applySync(states.get(approverId), sync));
  }
}

const figures = (states: Map<string, WorkloadState>, id: string, now = T0 + 72 * 3_600_000) =>
  workloadFigures(states.get(id) ?? emptyWorkload(), now);

describe('isoWeekStart', () => {
  it('is Monday 00:00 UTC of the week, Sunday belonging to the week before', () => {
    expect(new Date(isoWeekStart(T0)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(isoWeekStart(Date.parse('2026-11-29T23:59:59Z'))).toISOString()).toBe(
      '2026-11-23T00:00:00.000Z',
    );
    expect(new Date(isoWeekStart(Date.parse('2026-11-30T00:00:00Z'))).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
  });
});

describe('the workload kept from the workflow’s records', () => {
  it('opens a request for every awaited approver, and a decision closes it and counts once', () => {
    const states = new Map<string, WorkloadState>();
    const s = status();
    record(states, s, at(0));
    expect(figures(states, 'a')).toMatchObject({ open: 1, oldestOpenSince: at(0), decidedThisWeek: 0 });
    const decided = applyDecision(s, user('a'), { approverId: 'a', decision: 'approve' }, T0 + 5 * 3_600_000);
    record(states, decided, at(5));
    // The same record again (an activity retried) and an older one delivered late change nothing.
    record(states, decided, at(5));
    record(states, s, at(0));
    expect(figures(states, 'a')).toMatchObject({
      open: 0,
      decidedThisWeek: 1,
      averageDecisionMs: 5 * 3_600_000,
      averagedOver: 1,
    });
  });

  it('closes the request for an approver the stage no longer waits for, without a decision', () => {
    const states = new Map<string, WorkloadState>();
    const s = status();
    record(states, s, at(0));
    const decided = applyDecision(s, user('a'), { approverId: 'a', decision: 'approve' }, T0 + 3_600_000);
    // "any": a's approval completes the stage; the workflow moves on to stage 2 with c.
    const next = {
      ...decided,
      approversAsked: ['a', 'b', 'c'],
      stage: {
        ...(decided.stage as NonNullable<ApprovalStatus['stage']>),
        index: 1,
        approvers: [user('c')],
        awaiting: [user('c')],
        startedAt: at(1),
      },
    };
    record(states, next, at(1));
    expect(figures(states, 'b')).toMatchObject({ open: 0, decidedThisWeek: 0, averagedOver: 0 });
    expect(figures(states, 'c')).toMatchObject({ open: 1, oldestOpenSince: at(1) });
    expect(figures(states, 'a')).toMatchObject({ open: 0, decidedThisWeek: 1 });
    record(states, { ...next, state: 'Cancelled', closedAt: at(2) }, at(2));
    expect(figures(states, 'c')).toMatchObject({ open: 0, decidedThisWeek: 0 });
  });

  it('times an escalated approver from when the escalation asked them', () => {
    const states = new Map<string, WorkloadState>();
    const s = status();
    record(states, s, at(0));
    const escalated: ApprovalStatus = {
      ...s,
      approversAsked: ['a', 'b', 'x'],
      stage: {
        ...(s.stage as NonNullable<ApprovalStatus['stage']>),
        approvers: [user('x')],
        awaiting: [user('x')],
        escalated: true,
      },
    };
    record(states, escalated, at(48));
    expect(figures(states, 'a').open).toBe(0);
    expect(figures(states, 'x')).toMatchObject({ open: 1, oldestOpenSince: at(48) });
    const decided = applyDecision(
      escalated,
      user('x'),
      { approverId: 'x', decision: 'approve' },
      T0 + 50 * 3_600_000,
    );
    record(states, decided, at(50));
    expect(figures(states, 'x')).toMatchObject({ open: 0, averageDecisionMs: 2 * 3_600_000 });
  });

  it('counts decisions in the ISO week of "now" and averages over the last 30 days', () => {
    let state: WorkloadState | undefined;
    const sync = (id: string, askedHours: number, decidedHours: number): WorkloadSync => ({
      requestId: id,
      title: id,
      at: at(decidedHours),
      decisions: [{ stage: 0, decision: 'approve', at: at(decidedHours), askedAt: at(askedHours) }],
    });
    state = applySync(state, sync('last-week', -24 * 4, -24 * 3)); // Sat 22 Nov
    state = applySync(state, sync('monday', -24 * 2 - 10, -24 * 2 - 9)); // Mon 23 Nov 01:00
    state = applySync(state, sync('today', -3, 0));
    const wednesday = workloadFigures(state, T0);
    expect(wednesday).toMatchObject({
      decidedThisWeek: 2,
      weekStart: '2026-11-23T00:00:00.000Z',
      averagedOver: 3,
    });
    expect(wednesday.averageDecisionMs).toBe(Math.round(((24 + 1 + 3) * 3_600_000) / 3));
    // The next Monday: a new week; the average still covers the last 30 days.
    const nextMonday = workloadFigures(state, Date.parse('2026-11-30T08:00:00Z'));
    expect(nextMonday).toMatchObject({ decidedThisWeek: 0, averagedOver: 3 });
    const later = workloadFigures(state, T0 + (AVERAGE_DAYS + 1) * DAY_MS);
    expect(later).toMatchObject({ decidedThisWeek: 0, averagedOver: 0 });
    expect(later.averageDecisionMs).toBeUndefined();
  });

  it('ignores an update for a request the approver has no part in, and forgets closed ones after a while', () => {
    const none = applySync(undefined, { requestId: 'r', title: 'r', at: at(0), decisions: [] });
    expect(none.requests).toEqual({});
    let state = applySync(undefined, {
      requestId: 'old',
      title: 'old',
      at: at(0),
      decisions: [{ stage: 0, decision: 'reject', at: at(0) }],
    });
    state = applySync(state, {
      requestId: 'open',
      title: 'open',
      at: at(1),
      awaiting: { stage: 0 },
      decisions: [],
    });
    state = applySync(state, {
      requestId: 'new',
      title: 'new',
      at: at(24 * (KEEP_DAYS + 1)),
      awaiting: { stage: 0 },
      decisions: [],
    });
    expect(keptIds(state).sort()).toEqual(['new', 'open']);
    expect(workloadFigures(state, T0 + 24 * (KEEP_DAYS + 1) * 3_600_000).open).toBe(2);
  });

  it('keeps at most MAX_REQUESTS, the oldest closed ones going first and open ones staying', () => {
    let state: WorkloadState | undefined;
    // Ten open requests first, then closed ones, a minute apart, past the cap.
    for (let i = 0; i < 10; i++) {
      state = applySync(state, {
        requestId: `open-${i}`,
        title: 'o',
        at: at(0),
        awaiting: { stage: 0 },
        decisions: [],
      });
    }
    const closed = MAX_REQUESTS + 50;
    for (let i = 0; i < closed; i++) {
      const when = new Date(T0 + 3_600_000 + i * 60_000).toISOString();
      state = applySync(state, {
        requestId: `closed-${i}`,
        title: 'c',
        at: when,
        decisions: [{ stage: 0, decision: 'approve', at: when }],
      });
    }
    const kept = keptIds(state as WorkloadState);
    expect(kept.length).toBeLessThanOrEqual(MAX_REQUESTS);
    expect(kept.length).toBeGreaterThan(MAX_REQUESTS - 200);
    for (let i = 0; i < 10; i++) expect(kept).toContain(`open-${i}`);
    expect(kept).toContain(`closed-${closed - 1}`);
    expect(kept).not.toContain('closed-0');
    // What is kept is the newest: every dropped closed request is older than every kept one.
    const keptClosed = kept.filter((id) => id.startsWith('closed-')).map((id) => Number(id.slice(7)));
    expect(Math.min(...keptClosed)).toBe(closed - keptClosed.length);
    expect(workloadFigures(state as WorkloadState, T0).open).toBe(10);
  });

  it('reads a state written before closed requests were kept apart, and moves them at the next update', () => {
    // Closed requests in `requests`, as the entity wrote them before: no `closed`, no `prunedDay`.
    const old: WorkloadState = {
      requests: {
        open: { title: 'open', at: at(1), awaiting: { stage: 0, askedAt: at(1) }, decisions: [] },
        done: {
          title: 'done',
          at: at(3),
          decisions: [{ stage: 0, decision: 'approve', decidedAt: at(3), askedAt: at(1) }],
        },
        early: {
          title: 'early',
          at: at(2),
          decisions: [{ stage: 1, decision: 'reject', decidedAt: at(2) }],
        },
      },
      lastAt: at(3),
    };
    const now = T0 + 4 * 3_600_000;
    const figures = workloadFigures(old, now);
    expect(figures).toMatchObject({
      open: 1,
      decidedThisWeek: 2,
      averagedOver: 1,
      averageDecisionMs: 2 * 3_600_000,
    });

    const next = applySync(old, {
      requestId: 'other',
      title: 'other',
      at: at(4),
      awaiting: { stage: 0 },
      decisions: [],
    });
    expect(Object.keys(next.requests).sort()).toEqual(['open', 'other']);
    expect(Object.keys(next.closed ?? {}).sort()).toEqual(['done', 'early']);
    expect(workloadFigures(next, now)).toEqual({ ...figures, open: 2 });
    // Through JSON, as the entity stores it: the same figures.
    expect(workloadFigures(JSON.parse(JSON.stringify(next)) as WorkloadState, now)).toEqual({
      ...figures,
      open: 2,
    });
    // A closed request is not reopened by an older update, and a later stage asking again reopens
    // it with the decision it had.
    const kept = JSON.stringify(next);
    applySync(next, { requestId: 'done', title: 'done', at: at(2), awaiting: { stage: 0 }, decisions: [] });
    expect(JSON.stringify(next)).toBe(kept);
    const again = applySync(next, {
      requestId: 'done',
      title: 'done',
      at: at(5),
      awaiting: { stage: 2 },
      decisions: [],
    });
    expect(again.requests.done).toMatchObject({
      awaiting: { stage: 2 },
      decisions: [{ stage: 0, decision: 'approve' }],
    });
    expect(again.closed?.done).toBeUndefined();
    expect(workloadFigures(again, now)).toMatchObject({ open: 3, decidedThisWeek: 2, averagedOver: 1 });
  });

  it('keeps a closed request in well under half the bytes it took in the open form', () => {
    let state: WorkloadState | undefined;
    for (let i = 0; i < 200; i++) {
      state = applySync(state, {
        requestId: `loan-${i.toString(36).padStart(8, '0')}`,
        title: `Loan for Patti Fernandez: ${10_000 + i} EUR`,
        at: at(i),
        decisions: [{ stage: 0, decision: 'approve', at: at(i), askedAt: at(i - 1) }],
      });
    }
    const compact = JSON.stringify(state).length;
    const open = JSON.stringify(
      Object.fromEntries(
        Object.keys((state as WorkloadState).closed ?? {}).map((id, i) => [
          id,
          {
            title: `Loan for Patti Fernandez: ${10_000 + i} EUR`,
            at: at(i),
            decisions: [{ stage: 0, decision: 'approve', decidedAt: at(i), askedAt: at(i - 1) }],
          },
        ]),
      ),
    ).length;
    expect(compact).toBeLessThan(open * 0.5);
  });

  it('checks the operation’s input', () => {
    expect(isWorkloadSync(workloadSyncs(status(), at(0))[0]?.sync)).toBe(true);
    expect(isWorkloadSync({ requestId: 'r', title: 't', at: 'yesterday', decisions: [] })).toBe(false);
    expect(isWorkloadSync({ requestId: 'r', title: 't', at: at(0), decisions: [{ stage: -1 }] })).toBe(false);
    expect(isWorkloadSync(null)).toBe(false);
  });

  it('reads "now" as the later of the reader’s clock and the workflow’s latest time', () => {
    const state = applySync(undefined, {
      requestId: 'r',
      title: 'r',
      at: at(100),
      awaiting: { stage: 0 },
      decisions: [],
    });
    expect(readerNow(state, T0)).toBe(T0 + 100 * 3_600_000);
    expect(readerNow(state, T0 + 200 * 3_600_000)).toBe(T0 + 200 * 3_600_000);
    expect(readerNow(emptyWorkload(), T0)).toBe(T0);
  });
});
