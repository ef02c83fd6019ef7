import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../domain/requests';
import { loadPolicy } from './policyFile';

const loan = (amount: number) =>
  parseRequest('loan', { applicant: 'Pat', amount, currency: 'EUR', purpose: 'car', termMonths: 24 });

describe('the policy source', () => {
  it('is overridable by environment', () => {
    const json = JSON.stringify({
      users: { a: { id: 'u-a', name: 'A', email: 'a@x.example' } },
      kinds: {
        loan: {
          stages: { s: { title: 'Only', approvers: { users: ['a'] }, deadline: { after: 'PT1H' } } },
          rules: [{ stages: ['s'] }],
        },
        generic: {
          stages: { s: { title: 'Only', approvers: { users: ['a'] }, deadline: { after: 'PT1H' } } },
          rules: [{ stages: ['s'] }],
        },
      },
    });
    const fromEnv = loadPolicy({ APPROVAL_POLICY: json });
    expect(fromEnv.stagesFor(loan(1_000_000)).map((s) => s.title)).toEqual(['Only']);
    expect(() => loadPolicy({ APPROVAL_POLICY_FILE: '/nonexistent/policy.yaml' })).toThrow(/cannot be read/);
  });
});
