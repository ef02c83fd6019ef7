/**
 * Alerts end to end on the embedded host with the real function app, Azurite and the stand-in
 * Teams connector (test/support/connector.ts): an activity that fails after its last retry (the
 * host raises it and posts it to the app's /api/alerts) and an approval open past its SLA (the
 * workflow raises it) each become a log line, a row of the "alerts" table, and a message in the
 * ops channel, a team channel Signoff was added to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { table } from '../functions/storage/tables';
import { startTestHost, type TestHost } from '../host/testing';
import { FakeConnector } from './support/connector';
import { startPattern } from './support/patterns';

const OPS = '19:ops-alerts@thread.tacv2';
const MEGAN = '00000000-0000-0000-0000-00000000a001';
const connector = new FakeConnector();
let host: TestHost;

beforeAll(async () => {
  await connector.start();
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    env: {
      SIGNOFF_ALERT_WEBHOOK: '/api/alerts',
      APPROVAL_SLA: 'PT4H',
      OPS_CHANNEL_CONVERSATION_ID: OPS,
    },
  });
  // Signoff is added to the ops team's channel: the bot stores the channel's reference.
  const res = await host.post('/api/messages', {
    type: 'conversationUpdate',
    id: 'ops-install',
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: '29:ops-admin', name: 'Ops Admin', aadObjectId: 'u-ops-admin' },
    recipient: { id: '28:signoff', name: 'Signoff' },
    conversation: { id: OPS, conversationType: 'channel', tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' }, team: { id: '19:ops-team@thread.tacv2' } },
    membersAdded: [{ id: '28:signoff' }],
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await host?.stop();
  await connector.stop();
});

function alertLines(instanceId: string): Array<Record<string, unknown>> {
  return host.logs
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((l) => l.msg === 'alert' && typeof l.alert === 'string' && l.instanceId === instanceId);
}

async function alertRows(instanceId: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  const t = await table('alerts');
  for await (const row of t.listEntities<Record<string, unknown>>({
    queryOptions: { filter: `PartitionKey eq '${instanceId}'` },
  })) {
    rows.push(row);
  }
  return rows;
}

/** Polls until `check` holds (host alerts reach the app over HTTP, after the engine is idle). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

const opsMessages = (instanceId: string) =>
  connector.to(OPS, 'POST').filter((c) => (c.body.text ?? '').includes(instanceId));

describe('alerts', () => {
  it('an activity that fails after its last retry: log line, row, ops channel message', async () => {
    const id = await startPattern(host, 'subscription-onboarding', {
      customer: { name: 'Nestor Wilke', email: 'nestor@contoso.example' },
      plan: 'basic',
      failFirst: { createAccount: 5 },
    });
    await host.idle();
    // Attempts 2-4 (1, 2 and 4 minutes apart) fail too; there are retries left: no alert.
    for (const by of ['PT1M', 'PT2M', 'PT4M']) await host.clock.advance(by);
    expect(alertLines(id).filter((a) => a.alert === 'activity-failed')).toEqual([]);

    // The fifth attempt, 8 minutes later, is the last.
    await host.clock.advance('PT8M');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toMatchObject({ status: 'failed', failedStep: 'createAccount' });
    const line = alertLines(id).filter((a) => a.alert === 'activity-failed');
    expect(line).toEqual([
      expect.objectContaining({
        alert: 'activity-failed',
        instanceId: id,
        name: 'onboardingCreateAccount',
        source: 'host',
        message: expect.stringContaining('failed after 5 attempts'),
        details: expect.objectContaining({ attempts: 5, orchestrator: 'subscriptionOnboarding' }),
      }),
    ]);

    const rows = await eventually(
      () => alertRows(id),
      (r) => r.some((a) => a.alert === 'activity-failed' && a.state === 'sent'),
    );
    expect(rows.find((a) => a.alert === 'activity-failed')).toMatchObject({
      rowKey: line[0]?.key,
      name: 'onboardingCreateAccount',
      source: 'host',
      attempts: 5,
      state: 'sent',
    });
    // The onboarding monitor's own alerts share the record shape.
    expect(
      rows
        .filter((a) => a.source === 'subscriptionOnboarding')
        .map((a) => `${a.alert} ${a.name}`)
        .sort(),
    ).toEqual(['step-failed createAccount', 'step-sla createAccount']);

    const messages = await eventually(
      async () => opsMessages(id),
      (m) => m.some((c) => c.body.text?.includes('Activity failed')),
    );
    const failed = messages.find((c) => c.body.text?.includes('Activity failed'));
    expect(failed?.body.text).toContain('onboardingCreateAccount');
    expect(failed?.body.textFormat).toBe('markdown');
  });

  it('an approval open past its SLA: alert when the clock passes it, not before, once', async () => {
    const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
      details: { applicant: 'Pat', amount: 5_000, currency: 'EUR', purpose: 'equipment', termMonths: 36 },
    });
    expect(res.status).toBe(202);
    const id = res.body.id;
    await host.idle();

    // Megan never installed Signoff here: that is an alert of its own (below), not this one.
    const sla = () => alertLines(id).filter((a) => a.alert === 'approval-sla');
    const slaRows = async () => (await alertRows(id)).filter((r) => r.alert === 'approval-sla');
    const slaMessages = () => opsMessages(id).filter((c) => c.body.text?.includes('(approval-sla)'));
    await host.clock.advance('PT3H59M');
    expect(sla()).toEqual([]);
    expect(await slaRows()).toEqual([]);

    const now = await host.clock.advance('PT2M');
    const slaAt = new Date(now.getTime() - 60_000).toISOString();
    expect(sla()).toEqual([
      expect.objectContaining({
        level: 'warn',
        alert: 'approval-sla',
        instanceId: id,
        name: 'Loan of 5,000 EUR for Pat',
        at: slaAt,
        source: 'approvalWorkflow',
        key: 'approval-sla',
        stage: 'Manager approval',
        awaiting: MEGAN,
        message: expect.stringContaining('longer than its SLA of 4 hours'),
      }),
    ]);
    const rows = await eventually(
      () => slaRows(),
      (r) => r[0]?.state === 'sent',
    );
    expect(rows).toEqual([
      expect.objectContaining({ rowKey: 'approval-sla', alert: 'approval-sla', at: slaAt, state: 'sent' }),
    ]);
    expect(slaMessages().map((c) => c.body.text?.split('\n\n')[0])).toEqual([
      '**Approval past its SLA** (approval-sla)',
    ]);

    // The request goes on: Megan approves, and no second alert follows.
    const decided = await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(202);
    await host.client.waitFor(id, ['Completed']);
    await host.clock.advance('P1D');
    expect(sla().map((a) => a.alert)).toEqual(['approval-sla']);
    expect(slaMessages()).toHaveLength(1);
  });

  it('an approver Signoff cannot reach: an alert in the ops channel, once per stage, naming them', async () => {
    // Megan (the manager) never installed Signoff here, so her card cannot be sent.
    const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
      details: { applicant: 'Pat', amount: 2_000, currency: 'EUR', purpose: 'a desk', termMonths: 12 },
    });
    expect(res.status).toBe(202);
    const id = res.body.id;
    await host.idle();

    const lines = alertLines(id).filter((a) => a.alert === 'approver-unreachable');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        instanceId: id,
        key: 'unreachable-request-0',
        stage: 'Manager approval',
        unreachable: MEGAN,
        message: expect.stringContaining('to Megan Bowen: Signoff is not installed for them in Teams'),
      }),
    ]);
    const rows = await eventually(
      () => alertRows(id),
      (r) => r.some((a) => a.alert === 'approver-unreachable' && a.state === 'sent'),
    );
    expect(rows.filter((r) => r.alert === 'approver-unreachable')).toHaveLength(1);
    const posted = opsMessages(id).filter((c) => c.body.text?.includes('(approver-unreachable)'));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body.text).toMatch(/^\*\*Approver cannot be reached\*\* \(approver-unreachable\)/);
    expect(posted[0]?.body.text).toContain('Megan Bowen');

    // A reminder a day later finds her unreachable again: no second alert for the same stage.
    await host.clock.advance('PT25H');
    await host.idle();
    expect(alertLines(id).filter((a) => a.alert === 'approver-unreachable')).toHaveLength(1);
    // The status still lists her for the dashboard and the approvers' cards.
    const detail = await host.as('patti').get<{ unreachable: Array<{ id: string }> }>(`/api/approvals/${id}`);
    expect(detail.body.unreachable.map((u) => u.id)).toEqual([MEGAN]);
  });
});
