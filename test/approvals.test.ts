/**
 * The approval workflow end to end on the embedded host: the real function app, the virtual
 * clock, and Azurite for the audit and index tables. People are the dev users (dev-users.json),
 * signed in with tokens of the host's dev issuer; the bundled policy
 * (functions/approvals/policy.yaml) names them as approvers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineAt } from '../domain/deadlines';
import type { ApprovalStatus } from '../domain/decide';
import { startTestHost, type TestHost } from '../host/testing';

const U = {
  megan: '00000000-0000-0000-0000-00000000a001',
  adele: '00000000-0000-0000-0000-00000000a002',
  alex: '00000000-0000-0000-0000-00000000a003',
  diego: '00000000-0000-0000-0000-00000000a004',
  lynne: '00000000-0000-0000-0000-00000000a005',
  nestor: '00000000-0000-0000-0000-00000000a006',
  patti: '00000000-0000-0000-0000-00000000b001',
};

type Detail = ApprovalStatus & {
  awaiting: Array<{ id: string }>;
  deadline?: string;
  audit: Array<{ key: string; type: string; actor: string; at: string; details: Record<string, unknown> }>;
};

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});

afterAll(async () => {
  await host?.stop();
});

/** `requester` (a dev user alias or object id, signed in with a token) asks for a loan. */
async function requestLoan(amount: number, requester = 'patti'): Promise<string> {
  const res = await host.as(requester).post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'equipment', termMonths: 36 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
  return res.body.id;
}

/** The request as `viewer` sees it (the requester by default). */
async function detail(id: string, viewer = 'patti'): Promise<Detail> {
  const res = await host.as(viewer).get<Detail>(`/api/approvals/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function decide(id: string, approver: string, decision: 'approve' | 'reject', comment?: string) {
  const res = await host.as(approver).post<{ error?: string }>(`/api/approvals/${id}/decision`, {
    decision,
    comment,
  });
  await host.idle();
  return res;
}

describe('loan bands', () => {
  it('a small loan needs only the manager', async () => {
    const id = await requestLoan(5_000);
    const before = await detail(id);
    expect(before).toMatchObject({
      state: 'Pending',
      stage: { title: 'Manager approval', index: 0, count: 1 },
    });
    expect(before.awaiting.map((a) => a.id)).toEqual([U.megan]);
    // Workflow version 3: prepared in one activity, the `requested` row written with the stage's
    // record, then the card: three activities before it waits.
    expect(before.audit.map((a) => a.type)).toEqual(['requested']);
    const history = await host.client.status(id, 'showHistory=true');
    const activities = (history.body.historyEvents as Array<{ EventType: string; FunctionName?: string }>)
      .filter((e) => e.EventType === 'TaskCompleted')
      .map((e) => e.FunctionName);
    expect(activities).toEqual(['approvalPrepare', 'approvalRecord', 'approvalNotify']);
    expect((await decide(id, 'megan', 'approve')).status).toBe(202);
    const after = await detail(id);
    expect(after.state).toBe('Approved');
    expect(after.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);
  });

  it('a medium loan needs the manager, then a risk officer', async () => {
    const id = await requestLoan(50_000);
    await decide(id, 'megan', 'approve');
    const second = await detail(id);
    expect(second.stage).toMatchObject({ title: 'Risk review', index: 1, count: 2 });
    expect(second.awaiting.map((a) => a.id).sort()).toEqual([U.alex, U.diego].sort());
    await decide(id, 'diego', 'approve');
    expect((await detail(id)).state).toBe('Approved');
    // Alex was asked and did not decide: he still sees the request, no longer as waiting for him.
    expect((await detail(id, 'alex')).state).toBe('Approved');
    const alexWaiting = await host
      .as('alex')
      .get<{ items: Array<{ id: string }> }>(`/api/approvals?approver=${U.alex}&awaiting=true`);
    expect(alexWaiting.body.items.map((i) => i.id)).not.toContain(id);
  });

  it('a large loan needs the manager, risk and the CFO (after a document, as the policy asks)', async () => {
    const id = await requestLoan(500_000);
    expect((await detail(id)).stage).toBeUndefined();
    const upload = await fetch(`${host.url}/api/approvals/${id}/documents?name=income.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await host.token('patti')}`, 'content-type': 'application/pdf' },
      body: '%PDF-1.4\n%%EOF\n',
    });
    expect(upload.status).toBe(201);
    await host.idle();
    await decide(id, 'megan', 'approve');
    await decide(id, 'alex', 'approve');
    expect((await detail(id)).stage?.title).toBe('CFO sign-off');
    await decide(id, 'lynne', 'approve');
    const done = await detail(id);
    expect(done.state).toBe('Approved');
    expect(done.decisions.map((d) => d.approver.name)).toEqual([
      'Megan Bowen',
      'Alex Wilber',
      'Lynne Robbins',
    ]);
  });
});

describe('decisions', () => {
  it('a rejection at stage 2 ends the request, and needs a comment', async () => {
    const id = await requestLoan(60_000);
    await decide(id, 'megan', 'approve');
    const noComment = await decide(id, 'alex', 'reject');
    expect(noComment.status).toBe(400);
    expect(noComment.body.error).toMatch(/comment/);
    expect((await decide(id, 'alex', 'reject', 'Collateral missing')).status).toBe(202);
    const done = await detail(id);
    expect(done.state).toBe('Rejected');
    expect(done.reason).toContain('Alex Wilber');
    expect(done.decisions.at(-1)).toMatchObject({ decision: 'reject', comment: 'Collateral missing' });
    const closed = await decide(id, 'diego', 'approve');
    expect(closed.status).toBe(409);
    expect(closed.body.error).toContain('Rejected');
  });

  it('N of M: the finance stage needs two of its two approvers', async () => {
    const res = await host.as('patti').post<{ id: string }>('/api/approvals/generic', {
      details: { title: 'Team laptops', details: 'Five laptops', amount: 7_500, currency: 'EUR' },
    });
    expect(res.status).toBe(202);
    await host.idle();
    const id = res.body.id;
    await decide(id, 'megan', 'approve');
    await decide(id, 'lynne', 'approve');
    const half = await detail(id);
    expect(half).toMatchObject({
      state: 'Pending',
      stage: { title: 'Finance approval', approvals: 1, required: 2 },
    });
    expect(half.awaiting.map((a) => a.id)).toEqual([U.nestor]);
    await decide(id, 'nestor', 'approve');
    expect((await detail(id)).state).toBe('Approved');
  });

  it('ignores a non-approver and a duplicate decision, over HTTP and as raw events', async () => {
    const res = await host.as('patti').post<{ id: string }>('/api/approvals/generic', {
      details: { title: 'Conference trip', amount: 2_000 },
    });
    await host.idle();
    const id = res.body.id;
    await decide(id, 'megan', 'approve');
    // Alex has no part in this request: for him it does not exist.
    expect((await decide(id, 'alex', 'approve')).status).toBe(404);
    await decide(id, 'lynne', 'approve');
    // The same decision again (a client retrying after losing the answer): 200 with what was
    // recorded. The other way is a conflict.
    const again = await host
      .as('lynne')
      .post<{ repeated: boolean; recorded: { decision: string; at: string } }>(
        `/api/approvals/${id}/decision`,
        { decision: 'approve' },
      );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      repeated: true,
      recorded: { decision: 'approve', approver: { id: U.lynne } },
    });
    const changed = await decide(id, 'lynne', 'reject', 'changed my mind');
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatch(/already decided/);
    // Events that bypass the API (another client, a race) meet the same rules in the workflow.
    await host.client.raiseEvent(id, 'decision', { approverId: 'u-stranger', decision: 'approve' });
    await host.client.raiseEvent(id, 'decision', { approverId: U.lynne, decision: 'approve' });
    await host.client.raiseEvent(id, 'decision', { nonsense: true });
    await host.idle();
    const status = await detail(id);
    expect(status.state).toBe('Pending');
    expect(status.stage).toMatchObject({ title: 'Finance approval', approvals: 1, required: 2 });
    expect(status.decisions).toHaveLength(2);
    const ignored = status.audit.filter((a) => a.type === 'ignored').map((a) => a.details.refusal);
    expect(ignored).toEqual(['not-an-approver', 'already-decided']);
    await host.client.operation(id, 'terminate');
  });

  it('answers a retry with the same Idempotency-Key as it answered the first time', async () => {
    const id = await requestLoan(4_000);
    const key = { 'Idempotency-Key': randomUUID() };
    const first = await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' }, key);
    await host.idle();
    const retry = await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' }, key);
    expect(first).toMatchObject({ status: 202, body: { accepted: true, id, decision: 'approve' } });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The same key for another request is refused; the decision was recorded once.
    const reused = await host
      .as('megan')
      .post(`/api/approvals/${id}/decision`, { decision: 'reject', comment: 'x' }, key);
    expect(reused.status).toBe(422);
    const done = await detail(id);
    expect(done.state).toBe('Approved');
    expect(done.audit.filter((a) => a.type === 'decision')).toHaveLength(1);
  });

  it('answers a cancel retried with the same Idempotency-Key as the first time', async () => {
    const id = await requestLoan(4_500);
    const key = { 'Idempotency-Key': `cancel-${id}` };
    const first = await host.as('patti').post(`/api/approvals/${id}/cancel`, undefined, key);
    await host.idle();
    const retry = await host.as('patti').post(`/api/approvals/${id}/cancel`, undefined, key);
    expect(first.status).toBe(202);
    expect(retry).toMatchObject({ status: 202, body: first.body });
  });

  it('refuses self-approval', async () => {
    const id = await requestLoan(1_000, 'megan');
    const res = await decide(id, 'megan', 'approve');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/own request/);
    await host.client.raiseEvent(id, 'decision', { approverId: U.megan, decision: 'approve' });
    await host.idle();
    const status = await detail(id, 'megan');
    expect(status.state).toBe('Pending');
    expect(status.audit.filter((a) => a.type === 'ignored').map((a) => a.details.refusal)).toEqual([
      'self-approval',
    ]);
    await host.client.operation(id, 'terminate');
  });

  it('lets the requester cancel, not the approver', async () => {
    const id = await requestLoan(3_000);
    const approver = await host.as('megan').post<{ error: string }>(`/api/approvals/${id}/cancel`);
    expect(approver.status).toBe(403);
    expect((await host.as('alex').post(`/api/approvals/${id}/cancel`)).status).toBe(404);
    expect((await host.as('patti').post(`/api/approvals/${id}/cancel`)).status).toBe(202);
    await host.idle();
    const done = await detail(id);
    expect(done.state).toBe('Cancelled');
    // Cancelling again (a retry): 200, saying it is cancelled.
    const again = await host.as('patti').post(`/api/approvals/${id}/cancel`);
    expect(again).toMatchObject({ status: 200, body: { repeated: true, state: 'Cancelled' } });
    expect(done.audit.at(-1)).toMatchObject({
      type: 'outcome',
      actor: U.patti,
      details: { state: 'Cancelled', reason: 'Cancelled by the requester' },
    });
  });

  it('lets an admin see and cancel any request, and says who did', async () => {
    const id = await requestLoan(3_500);
    expect((await host.as('isaiah').get(`/api/approvals/${id}`)).status).toBe(200);
    expect((await decide(id, 'isaiah', 'approve')).status).toBe(403);
    expect((await host.as('isaiah').post(`/api/approvals/${id}/cancel`)).status).toBe(202);
    await host.idle();
    const done = await detail(id);
    expect(done).toMatchObject({ state: 'Cancelled', reason: 'Cancelled by Isaiah Langer (admin)' });
    expect(done.audit.at(-1)).toMatchObject({
      type: 'outcome',
      actor: '00000000-0000-0000-0000-00000000e001',
    });
  });
});

describe('time', () => {
  it('reminds after 24 h, escalates at the 2-day deadline, and the escalation approver decides', async () => {
    const id = await requestLoan(2_000);
    const start = Date.parse((await detail(id)).stage?.startedAt ?? '');
    await host.clock.advance('PT23H');
    expect((await detail(id)).audit.filter((a) => a.type === 'reminder')).toHaveLength(0);
    await host.clock.advance('PT2H');
    const reminded = await detail(id);
    const reminders = reminded.audit.filter((a) => a.type === 'reminder');
    expect(reminders).toHaveLength(1);
    expect(Date.parse(reminders[0]?.at ?? '')).toBe(start + 24 * 3600_000);

    await host.clock.advance('PT24H');
    const escalated = await detail(id);
    expect(escalated.stage).toMatchObject({ escalated: true });
    expect(escalated.awaiting.map((a) => a.id)).toEqual([U.adele]);
    const escalation = escalated.audit.find((a) => a.type === 'escalation');
    expect(Date.parse(escalation?.at ?? '')).toBe(start + 48 * 3600_000);
    expect(escalated.deadline).toBe(new Date(start + 72 * 3600_000).toISOString());

    expect((await decide(id, 'megan', 'approve')).status).toBe(403);
    await decide(id, 'adele', 'approve');
    expect((await detail(id)).state).toBe('Approved');
  });

  it('expires when the escalation deadline passes too', async () => {
    const id = await requestLoan(2_500);
    await host.clock.advance('P2DT1M');
    expect((await detail(id)).stage?.escalated).toBe(true);
    await host.clock.advance('P1D');
    const done = await detail(id);
    expect(done.state).toBe('Expired');
    expect(done.reason).toContain('Manager approval');
  });

  it('counts the risk stage deadline in Berlin business days, across the weekend', async () => {
    // Move the virtual clock to the next Friday 15:00 UTC, then start the request.
    const now = await host.clock.now();
    const daysToFriday = (5 - now.getUTCDay() + 7) % 7 || 7;
    const friday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysToFriday, 15);
    await host.clock.advance(`PT${Math.ceil((friday - now.getTime()) / 1000)}S`);
    const id = await requestLoan(40_000);
    await decide(id, 'megan', 'approve');
    const risk = await detail(id);
    const startedAt = Date.parse(risk.stage?.startedAt ?? '');
    const expected = deadlineAt(startedAt, {
      after: 'P3D',
      businessHours: { timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });
    expect(risk.deadline).toBe(new Date(expected).toISOString());
    // Three business days from a Friday is the next Wednesday: five calendar days.
    expect(new Date(expected).getUTCDay()).toBe(3);
    expect(expected - startedAt).toBe(5 * 86_400_000);
    await host.clock.advance(`PT${Math.floor((expected - startedAt) / 1000) - 60}S`);
    expect((await detail(id)).state).toBe('Pending');
    await host.clock.advance('PT2M');
    expect((await detail(id)).state).toBe('Expired');
  });
});

describe('lists', () => {
  it('reads requests by requester and by approver from the index, with paging', async () => {
    const requester = randomUUID();
    const lister = host.as(requester);
    const ids = [
      await requestLoan(1_100, requester),
      await requestLoan(1_200, requester),
      await requestLoan(1_300, requester),
    ];
    await decide(ids[0] as string, 'megan', 'approve');
    const page1 = await lister.get<{ items: Array<{ id: string }>; continuationToken?: string }>(
      '/api/approvals?pageSize=2',
    );
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.continuationToken).toBeTruthy();
    const page2 = await lister.get<{ items: Array<{ id: string }> }>(
      `/api/approvals?requester=${requester}&pageSize=2&continuationToken=${encodeURIComponent(page1.body.continuationToken ?? '')}`,
    );
    expect([...page1.body.items, ...page2.body.items].map((i) => i.id).sort()).toEqual([...ids].sort());
    const approved = await lister.get<{ items: Array<{ id: string; state: string }> }>(
      '/api/approvals?status=Approved',
    );
    expect(approved.body.items.map((i) => i.id)).toEqual([ids[0]]);
    // Someone else's list: only for admins.
    expect((await host.as('megan').get(`/api/approvals?requester=${requester}`)).status).toBe(403);
    const asAdmin = await host
      .as('isaiah')
      .get<{ items: unknown[] }>(`/api/approvals?requester=${requester}`);
    expect(asAdmin.body.items).toHaveLength(3);
    const pending = await host
      .as('megan')
      .get<{ items: Array<{ id: string }> }>(`/api/approvals?approver=${U.megan}&awaiting=true`);
    expect(pending.body.items.map((i) => i.id)).toEqual(expect.arrayContaining([ids[1], ids[2]]));
    expect(pending.body.items.map((i) => i.id)).not.toContain(ids[0]);
    for (const id of ids.slice(1)) await host.client.operation(id as string, 'terminate');
  });
});

describe('bad input', () => {
  it('fails a workflow started directly with a bad input, naming the fields', async () => {
    const { id } = await host.client.start('approvalWorkflow', { id: 'x', request: { kind: 'car' } });
    const failed = await host.client.waitFor(id, ['Failed']);
    expect(failed.output).toEqual(expect.stringContaining('input.request.kind'));
    expect(failed.output).toEqual(expect.stringContaining('input.requester'));
    expect(failed.output).toEqual(expect.stringContaining('input.policyVersion'));
  });

  it('routes a workflow started directly by the policy: approvers in its input are refused', async () => {
    const good = await detail(await requestLoan(1_000));
    const input = {
      id: 'loan-direct1',
      requester: { id: U.patti, name: 'Patti Fernandez', email: 'patti@contoso.example' },
      request: {
        kind: 'loan',
        details: { applicant: 'P', amount: 1_000, currency: 'EUR', purpose: 'p', termMonths: 12 },
      },
    };
    const withStages = await host.client.start('approvalWorkflow', {
      ...input,
      policyVersion: good.policyVersion,
      stages: [{ name: 'me', title: 'Me', approvers: [input.requester] }],
    });
    expect((await host.client.waitFor(withStages.id, ['Failed'])).output).toEqual(
      expect.stringContaining('input: Unrecognized key: "stages"'),
    );
    const unknownPolicy = await host.client.start('approvalWorkflow', {
      ...input,
      policyVersion: 'p-0000000000000000',
    });
    expect((await host.client.waitFor(unknownPolicy.id, ['Failed'])).output).toEqual(
      expect.stringContaining('No approval policy has version "p-0000000000000000"'),
    );
    const routed = await host.client.start('approvalWorkflow', {
      ...input,
      policyVersion: good.policyVersion,
    });
    const running = await host.client.waitFor(routed.id, ['Running'], (s) =>
      Boolean((s.customStatus as ApprovalStatus | null)?.stage),
    );
    expect((running.customStatus as ApprovalStatus).stage?.approvers.map((a) => a.id)).toEqual([U.megan]);
    await host.client.operation(routed.id, 'terminate');
  });

  it('takes who acts from the token, and refuses a body that names someone', async () => {
    const startAs = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/approvals/loan', {
        requester: { id: U.megan, name: 'Megan Bowen', email: 'megan@contoso.example' },
        details: { applicant: 'X', amount: 100, currency: 'EUR', purpose: 'p', termMonths: 12 },
      });
    expect(startAs.status).toBe(400);
    expect(startAs.body.problems).toEqual([
      { field: 'requester', rule: 'must not be set: the requester is the signed-in user' },
    ]);
    const id = await requestLoan(1_000);
    const decideAs = await host
      .as('megan')
      .post<{ problems: Array<{ field: string }> }>(`/api/approvals/${id}/decision`, {
        approverId: U.megan,
        decision: 'approve',
      });
    expect(decideAs.status).toBe(400);
    expect(decideAs.body.problems.map((p) => p.field)).toEqual(['approverId']);
    const cancelAs = await host.as('patti').post(`/api/approvals/${id}/cancel`, { requesterId: U.patti });
    expect(cancelAs.status).toBe(400);
    expect((await detail(id)).state).toBe('Pending');
    // The requester the workflow records is the signed-in user, with the name and email of the token.
    expect((await detail(id)).requester).toEqual({
      id: U.patti,
      name: 'Patti Fernandez',
      email: 'patti@contoso.example',
    });
    await host.client.operation(id, 'terminate');
  });

  it('names the field and the rule on every endpoint', async () => {
    const patti = host.as('patti');
    const badDetails = await patti.post<{ problems: Array<{ field: string; rule: string }> }>(
      '/api/approvals/loan',
      { details: { applicant: 'X', amount: -1, currency: 'EUR', purpose: 'p', termMonths: 12 } },
    );
    expect(badDetails.status).toBe(400);
    expect(badDetails.body.problems).toEqual([{ field: 'details.amount', rule: 'must be greater than 0' }]);
    expect((await patti.post('/api/approvals/loan', '{"details":')).status).toBe(400);
    expect((await patti.post('/api/approvals/car', { details: {} })).status).toBe(400);
    expect((await patti.get('/api/approvals/loan-doesnotexist')).status).toBe(404);
    expect((await patti.get('/api/approvals?requester=a&approver=b')).status).toBe(400);
    expect((await patti.get('/api/approvals?status=Sleeping')).status).toBe(400);
    expect((await patti.get('/api/approvals?pageSize=0')).status).toBe(400);
    expect((await patti.get('/api/approvals?who=me')).status).toBe(400);
    const id = await requestLoan(1_000);
    const megan = host.as('megan');
    expect((await megan.post(`/api/approvals/${id}/decision`, { decision: 'maybe' })).status).toBe(400);
    expect((await megan.post(`/api/approvals/${id}/decision`, 'nope')).status).toBe(400);
    expect((await megan.post(`/api/approvals/${id}/decision`, '"nope"')).status).toBe(400);
    expect((await megan.post('/api/approvals/loan-nothere/decision', { decision: 'approve' })).status).toBe(
      404,
    );
    expect((await patti.post('/api/approvals/loan-nothere/cancel')).status).toBe(404);
    await host.client.operation(id, 'terminate');
  });

  it('refuses a body that is not JSON with 415, and a foreign Origin with 403', async () => {
    const id = await requestLoan(1_000);
    const token = await host.token('megan');
    const form = await fetch(`${host.url}/api/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });
    expect(form.status).toBe(415);
    const foreign = await host.as('megan').post<{ error: string }>(
      `/api/approvals/${id}/decision`,
      { decision: 'approve' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toContain('https://evil.example');
    expect((await detail(id)).state).toBe('Pending');
    const sameOrigin = await host
      .as('megan')
      .post(`/api/approvals/${id}/decision`, { decision: 'approve' }, { origin: host.url });
    expect(sameOrigin.status).toBe(202);
    await host.idle();
    expect((await detail(id)).state).toBe('Approved');
  });
});
