import { describe, expect, it } from 'vitest';
import { type ApprovalStatus, applyDecision, evaluate, repeatedDecision, requiredApprovals } from './decide';

const user = (id: string) => ({ id, name: id.toUpperCase(), email: `${id}@x.example` });

function status(overrides: Partial<ApprovalStatus> = {}): ApprovalStatus {
  return {
    id: 'generic-1',
    kind: 'generic',
    title: 'Laptop',
    requester: user('req'),
    request: { title: 'Laptop', details: '' },
    createdAt: '2026-11-23T10:00:00.000Z',
    state: 'Pending',
    decisions: [],
    unreachable: [],
    stage: {
      index: 0,
      count: 1,
      name: 'finance',
      title: 'Finance',
      approvers: [user('a'), user('b'), user('c')],
      awaiting: [user('a'), user('b'), user('c')],
      mode: { type: 'nOf', n: 2 },
      required: 2,
      approvals: 0,
      deadline: '2026-11-25T10:00:00.000Z',
      escalated: false,
      startedAt: '2026-11-23T10:00:00.000Z',
    },
    ...overrides,
  };
}

describe('evaluate', () => {
  it('needs N of M approvals to complete a stage', () => {
    let s = status();
    const first = evaluate(s, { approverId: 'a', decision: 'approve' });
    expect(first).toEqual({ accepted: true, stageComplete: false, rejected: false });
    s = applyDecision(s, user('a'), { approverId: 'a', decision: 'approve' }, 0);
    expect(s.stage?.awaiting.map((u) => u.id)).toEqual(['b', 'c']);
    expect(evaluate(s, { approverId: 'b', decision: 'approve' })).toEqual({
      accepted: true,
      stageComplete: true,
      rejected: false,
    });
  });

  it('refuses non-approvers, second decisions, self-approval, comment-less rejections and closed requests', () => {
    const s = applyDecision(status(), user('a'), { approverId: 'a', decision: 'approve' }, 0);
    expect(evaluate(s, { approverId: 'z', decision: 'approve' })).toMatchObject({
      refusal: 'not-an-approver',
    });
    expect(evaluate(s, { approverId: 'a', decision: 'approve' })).toMatchObject({
      refusal: 'already-decided',
    });
    expect(evaluate(s, { approverId: 'req', decision: 'approve' })).toMatchObject({
      refusal: 'self-approval',
    });
    expect(evaluate(s, { approverId: 'b', decision: 'reject', comment: '  ' })).toMatchObject({
      refusal: 'comment-required',
    });
    expect(evaluate({ ...s, state: 'Approved' }, { approverId: 'b', decision: 'approve' })).toMatchObject({
      refusal: 'closed',
    });
  });

  it('ends the stage on a rejection with a comment', () => {
    expect(evaluate(status(), { approverId: 'b', decision: 'reject', comment: 'over budget' })).toEqual({
      accepted: true,
      stageComplete: true,
      rejected: true,
    });
  });
});

describe('repeatedDecision', () => {
  const approve = (id: string) => ({ approverId: id, decision: 'approve' as const });

  it("finds the approver's own decision at the current stage, made the same way", () => {
    const s = applyDecision(status(), user('a'), approve('a'), 0);
    expect(repeatedDecision(s, approve('a'))).toMatchObject({
      approver: { id: 'a' },
      decision: 'approve',
      stage: 0,
    });
    expect(repeatedDecision(s, { approverId: 'a', decision: 'reject', comment: 'no' })).toBeUndefined();
    expect(repeatedDecision(s, approve('b'))).toBeUndefined();
  });

  it('finds the decision that moved the request on or closed it', () => {
    const decided = applyDecision(status(), user('a'), approve('a'), 0);
    const nextStage = {
      ...decided,
      stage: { ...(decided.stage as NonNullable<ApprovalStatus['stage']>), index: 1, approvers: [user('d')] },
    };
    expect(repeatedDecision(nextStage, approve('a'))).toMatchObject({ stage: 0 });
    expect(repeatedDecision({ ...decided, state: 'Approved' }, approve('a'))).toMatchObject({ stage: 0 });
  });

  it('does not take a decision at an earlier stage for one the approver may make now', () => {
    const decided = applyDecision(status(), user('a'), approve('a'), 0);
    const sameApprover = {
      ...decided,
      stage: { ...(decided.stage as NonNullable<ApprovalStatus['stage']>), index: 1, approvers: [user('a')] },
    };
    expect(repeatedDecision(sameApprover, approve('a'))).toBeUndefined();
  });
});

describe('requiredApprovals', () => {
  it('follows the mode', () => {
    expect(requiredApprovals({ type: 'any' }, 3)).toBe(1);
    expect(requiredApprovals({ type: 'all' }, 3)).toBe(3);
    expect(requiredApprovals({ type: 'nOf', n: 2 }, 3)).toBe(2);
  });
});
