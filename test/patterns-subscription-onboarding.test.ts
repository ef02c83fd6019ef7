/**
 * Subscription onboarding (monitor) on the embedded host's virtual clock: retries with
 * exponential backoff at the right times, progress in the custom status, an SLA breach that
 * raises an alert (a log line and a row in Azurite's "alerts" table), and completion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingProgress, OnboardingResult } from '../functions/patterns/subscriptionOnboarding';
import { table } from '../functions/storage/tables';
import { type InstanceStatus, startTestHost, type TestHost } from '../host/testing';
import { finished, startPattern } from './support/patterns';

const customer = { name: 'Lynne Robbins', email: 'lynne@contoso.example' };
const MIN = 60_000;

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});
afterAll(async () => {
  await host?.stop();
});

async function progress(id: string): Promise<OnboardingProgress> {
  await host.idle();
  const status = (await host.client.status(id)).body;
  expect(status.runtimeStatus).toBe('Running');
  return status.customStatus as OnboardingProgress;
}

/** When each attempt of an activity was scheduled (ms after `t0`) and how it ended. */
function attempts(status: InstanceStatus, activity: string, t0: number): Array<[number, string]> {
  return (status.historyEvents ?? [])
    .filter(
      (e) => e.FunctionName === activity && (e.EventType === 'TaskCompleted' || e.EventType === 'TaskFailed'),
    )
    .map((e) => [Date.parse(String(e.ScheduledTime)) - t0, String(e.EventType)]);
}

async function alertRows(instanceId: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  const t = await table('alerts');
  for await (const row of t.listEntities<Record<string, unknown>>({
    queryOptions: { filter: `PartitionKey eq '${instanceId}'` },
  })) {
    rows.push({ rowKey: row.rowKey, kind: row.kind, step: row.step, at: row.at, state: row.state });
  }
  return rows;
}

/** The app's alert log lines (one JSON object each, with `alert` naming the kind). */
function alertLogs(instanceId: string): Array<Record<string, unknown>> {
  return host.logs
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((a) => a.msg === 'alert' && a.source === 'subscriptionOnboarding' && a.instanceId === instanceId);
}

describe('subscription onboarding', () => {
  it('retries a flaky step with backoff, alerts on the SLA breach, and completes', async () => {
    const t0 = (await host.clock.now()).getTime();
    const id = await startPattern(host, 'subscription-onboarding', {
      customer,
      plan: 'business',
      failFirst: { provisionMailbox: 2 },
    });

    // t0: the account exists, the mailbox failed once and waits 1 minute to retry
    expect(await progress(id)).toEqual({
      step: 'provisionMailbox',
      completed: ['createAccount'],
      attempts: { createAccount: 1 },
      alerts: [],
    });

    // t0+1m: the second attempt fails too; the next waits 2 minutes (coefficient 2)
    await host.clock.advance('PT1M');
    expect((await progress(id)).alerts).toEqual([]);
    expect(await alertRows(id)).toEqual([]);

    // t0+2m: the mailbox has taken longer than its 2-minute SLA: alert, and keep waiting
    await host.clock.advance('PT1M');
    const breachAt = new Date(t0 + 2 * MIN).toISOString();
    expect(await progress(id)).toEqual({
      step: 'provisionMailbox',
      completed: ['createAccount'],
      attempts: { createAccount: 1 },
      alerts: [{ kind: 'sla-breach', step: 'provisionMailbox', at: breachAt }],
    });
    expect(await alertRows(id)).toEqual([
      {
        rowKey: 'sla-breach-provisionMailbox',
        kind: 'sla-breach',
        step: 'provisionMailbox',
        at: breachAt,
        state: 'pending',
      },
    ]);
    expect(alertLogs(id)).toEqual([
      expect.objectContaining({
        alert: 'step-sla',
        name: 'provisionMailbox',
        source: 'subscriptionOnboarding',
        kind: 'sla-breach',
        step: 'provisionMailbox',
        at: breachAt,
        message: 'provisionMailbox has exceeded its SLA of 2 minutes',
      }),
    ]);

    // t0+3m: the third attempt succeeds and the remaining steps run
    await host.clock.advance('PT1M');
    const done = await finished(host, id);
    expect(done.runtimeStatus).toBe('Completed');
    const output = done.output as OnboardingResult;
    expect(output).toMatchObject({
      status: 'completed',
      step: 'done',
      completed: ['createAccount', 'provisionMailbox', 'assignLicence', 'sendWelcome'],
      attempts: { createAccount: 1, provisionMailbox: 3, assignLicence: 1, sendWelcome: 1 },
      alerts: [{ kind: 'sla-breach', step: 'provisionMailbox', at: breachAt }],
    });
    expect(done.customStatus).toMatchObject({ step: 'done', completed: output.completed });
    expect(attempts(done, 'onboardingProvisionMailbox', t0)).toEqual([
      [0, 'TaskFailed'],
      [1 * MIN, 'TaskFailed'],
      [3 * MIN, 'TaskCompleted'],
    ]);
    expect(attempts(done, 'onboardingSendWelcome', t0)).toEqual([[3 * MIN, 'TaskCompleted']]);

    const mailbox = await (await table('onboardingSteps')).getEntity<{ attempts: number; state: string }>(
      id,
      'provisionMailbox',
    );
    expect({ attempts: mailbox.attempts, state: mailbox.state }).toEqual({ attempts: 3, state: 'done' });
  });

  it('no alert when every step is on time', async () => {
    const id = await startPattern(host, 'subscription-onboarding', {
      customer,
      plan: 'basic',
      failFirst: { assignLicence: 1 },
    });
    await host.clock.advance('PT1M');
    const done = await finished(host, id);
    expect(done.output).toMatchObject({ status: 'completed', alerts: [], attempts: { assignLicence: 2 } });
    expect(await alertRows(id)).toEqual([]);
  });

  it('a step that exhausts its retries fails the run with a step-failed alert', async () => {
    const t0 = (await host.clock.now()).getTime();
    const id = await startPattern(host, 'subscription-onboarding', {
      customer,
      plan: 'enterprise',
      failFirst: { assignLicence: 9 },
    });
    await host.clock.advance('PT20M');
    const done = await finished(host, id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({
      status: 'failed',
      step: 'failed',
      failedStep: 'assignLicence',
      completed: ['createAccount', 'provisionMailbox'],
      reason: expect.stringContaining('assignLicence failed on attempt 5'),
    });
    // five attempts: 1, 2, 4 and 8 minutes apart
    expect(attempts(done, 'onboardingAssignLicence', t0).map(([at]) => at / MIN)).toEqual([0, 1, 3, 7, 15]);
    expect((await alertRows(id)).map((a) => [a.kind, a.step, a.at])).toEqual([
      ['sla-breach', 'assignLicence', new Date(t0 + 2 * MIN).toISOString()],
      ['step-failed', 'assignLicence', new Date(t0 + 15 * MIN).toISOString()],
    ]);
    expect(alertLogs(id).map((a) => a.kind)).toEqual(['sla-breach', 'step-failed']);
  });

  it('a step that can never succeed is tried once, not retried, and fails the run', async () => {
    const t0 = (await host.clock.now()).getTime();
    const id = await startPattern(host, 'subscription-onboarding', {
      customer: { name: 'Nobody Home', email: 'nobody@contoso.invalid' },
      plan: 'basic',
    });
    await host.clock.advance('PT20M');
    const done = await finished(host, id);
    expect(done.output).toMatchObject({
      status: 'failed',
      failedStep: 'sendWelcome',
      completed: ['createAccount', 'provisionMailbox', 'assignLicence'],
      attempts: { sendWelcome: 1 },
      reason: expect.stringContaining('can never receive mail'),
    });
    // One attempt, answered at once: the retry policy never saw a failure.
    expect(attempts(done, 'onboardingSendWelcome', t0)).toEqual([[0, 'TaskCompleted']]);
    expect((await alertRows(id)).map((a) => [a.kind, a.step])).toEqual([['step-failed', 'sendWelcome']]);
  });

  it('answers 400 naming the field and the rule', async () => {
    const res = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/patterns/subscription-onboarding', {
        customer: { name: '', email: 'nope' },
        plan: 'gold',
        failFirst: { provisionMailbox: -1 },
      });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { field: 'customer.name', rule: 'must not be empty' },
        { field: 'customer.email', rule: 'must be an email address' },
        { field: 'plan', rule: 'must be "basic", "business" or "enterprise"' },
        { field: 'failFirst.provisionMailbox', rule: expect.any(String) },
      ]),
    );
  });
});
