import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Policy, PolicyError } from './policy';
import { parseRequest, type ValidationError } from './requests';

const bundled = fs.readFileSync(path.join(__dirname, '..', 'functions', 'approvals', 'policy.yaml'), 'utf8');
const policy = Policy.parse(bundled, 'policy.yaml');
const loan = (amount: number) =>
  parseRequest('loan', { applicant: 'Pat', amount, currency: 'EUR', purpose: 'car', termMonths: 24 });

describe('the bundled policy', () => {
  it('chooses stages by loan band', () => {
    expect(policy.stagesFor(loan(10_000)).map((s) => s.name)).toEqual(['manager']);
    expect(policy.stagesFor(loan(10_001)).map((s) => s.name)).toEqual(['manager', 'risk']);
    expect(policy.stagesFor(loan(100_000)).map((s) => s.name)).toEqual(['manager', 'risk']);
    expect(policy.stagesFor(loan(100_001)).map((s) => s.name)).toEqual(['manager', 'risk', 'cfo']);
  });

  it('asks loans above 100,000 for a document before the first stage', () => {
    expect(policy.documentRequirement(loan(100_000))).toBeUndefined();
    expect(policy.documentRequirement(loan(100_001))).toMatch(/Proof of income/);
    expect(
      policy.documentRequirement(parseRequest('generic', { title: 'Laptops', amount: 5e6 })),
    ).toBeUndefined();
  });

  it('resolves groups to users and keeps modes, deadlines and escalation', () => {
    const [manager, risk] = policy.stagesFor(loan(50_000));
    expect(risk?.approvers.map((u) => u.name)).toEqual(['Alex Wilber', 'Diego Siciliani']);
    expect(risk?.deadline.businessHours?.timeZone).toBe('Europe/Berlin');
    expect(manager?.onDeadline).toMatchObject({ type: 'escalate', approvers: [{ name: 'Adele Vance' }] });
    const generic = policy.stagesFor(parseRequest('generic', { title: 'Laptops', amount: 5000 }));
    expect(generic.map((s) => s.name)).toEqual(['manager', 'finance']);
    expect(generic[1]?.mode).toEqual({ type: 'nOf', n: 2 });
  });
});

describe('policy validation', () => {
  const broken = bundled
    .replace('approvers: { group: risk-officers }', 'approvers: { group: risk-team }')
    .replace('mode: { nOf: 2 }', 'mode: { nOf: 5 }')
    .replace('deadline: { after: P5D }', 'deadline: { after: five days }')
    .replace('timeZone: Europe/Berlin', 'timeZone: Europe/Atlantis')
    .replace('      - stages: [manager]\n', '      - when: { minAmount: 1 }\n        stages: [manager]\n');

  it('lists every problem with its path', () => {
    let error: PolicyError | undefined;
    try {
      Policy.parse(broken, 'broken.yaml');
    } catch (e) {
      error = e as PolicyError;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error?.message).toContain('broken.yaml');
    const fields = error?.problems.map((p) => p.field) ?? [];
    expect(fields).toContain('kinds.loan.stages.cfo.deadline.after');
    expect(error?.message).toMatch(/ISO 8601/);
  });

  it('cross-checks names, quorum, time zones and the catch-all rule', () => {
    const onlyCrossCheck = bundled
      .replace('approvers: { group: risk-officers }', 'approvers: { group: risk-team }')
      .replace('mode: { nOf: 2 }', 'mode: { nOf: 5 }')
      .replace('timeZone: Europe/Berlin', 'timeZone: Europe/Atlantis')
      .replace('      - stages: [manager]\n', '      - when: { minAmount: 1 }\n        stages: [manager]\n');
    const problems = (() => {
      try {
        Policy.parse(onlyCrossCheck, 'p.yaml');
        return [];
      } catch (e) {
        return (e as PolicyError).problems;
      }
    })();
    const text = problems.map((p) => `${p.field}: ${p.rule}`).join('\n');
    expect(text).toContain('kinds.loan.stages.risk.approvers.group: names unknown group "risk-team"');
    expect(text).toContain(
      'kinds.generic.stages.finance.mode.nOf: needs 5 approvals but the stage has 2 approvers',
    );
    expect(text).toContain('Europe/Atlantis');
    expect(text).toContain('kinds.generic.rules: the last rule must have no "when"');
  });

  it('refuses text that is not YAML or JSON', () => {
    expect(() => Policy.parse('kinds: [unclosed', 'x.yaml')).toThrow(/not valid YAML/);
  });
});

describe('request validation', () => {
  it('names the field and the rule', () => {
    try {
      parseRequest('loan', { applicant: '', amount: -5, currency: 'euro', purpose: 'x', termMonths: 1.5 });
      expect.unreachable();
    } catch (e) {
      const problems = (e as ValidationError).problems.map((p) => p.field);
      expect(problems).toEqual(
        expect.arrayContaining([
          'details.applicant',
          'details.amount',
          'details.currency',
          'details.termMonths',
        ]),
      );
    }
    expect(() => parseRequest('car', {})).toThrow(/kind: must be one of loan, generic/);
  });
});
