import { describe, expect, it } from 'vitest';
import type { ApprovalStatus } from '../../domain/decide';
import { withRuntimeOutcome } from './service';

const pending = {
  id: 'loan-abc',
  kind: 'loan',
  title: 'Loan',
  requester: { id: 'u', name: 'U', email: 'u@x.example' },
  request: { applicant: 'U', amount: 1, currency: 'EUR', purpose: 'p', termMonths: 1 },
  createdAt: '2026-11-23T10:00:00.000Z',
  state: 'Pending',
  decisions: [],
  unreachable: [],
} satisfies ApprovalStatus;

describe('withRuntimeOutcome', () => {
  it('closes a request whose workflow was terminated or failed', () => {
    expect(withRuntimeOutcome(pending, 'Terminated', 'duplicate')).toMatchObject({
      state: 'Cancelled',
      reason: 'Terminated by an operator: duplicate',
    });
    expect(withRuntimeOutcome(pending, 'Failed', 'x').state).toBe('Cancelled');
  });

  it('leaves running and finished requests alone', () => {
    expect(withRuntimeOutcome(pending, 'Running', null)).toBe(pending);
    const approved = { ...pending, state: 'Approved' as const };
    expect(withRuntimeOutcome(approved, 'Completed', null)).toBe(approved);
  });
});
