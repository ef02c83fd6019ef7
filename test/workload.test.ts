/**
 * The approver workload (the ApproverWorkload entity per approver) as an operator reads it in the
 * dashboard's approvals view, after requests are asked and decided through the approvals HTTP API
 * with tokens of the host's dev issuer, on the virtual clock: what waits for each approver, what
 * they decided this week (ISO week, UTC) and how long they take. A decision recorded while table
 * storage is down is retried (signalling the entity again each time) and still counts once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteHandle, freePort, startAzurite } from '../host/azurite';
import { startTestHost, type TestHost } from '../host/testing';

const MEGAN = '00000000-0000-0000-0000-00000000a001';
const HOUR = 3_600_000;
let host: TestHost;
let azurite: AzuriteHandle;
let port: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-workload-'));

interface View {
  sections: Array<{ id: string; rows: Array<{ cells: Record<string, unknown> }> }>;
}

beforeAll(async () => {
  port = await freePort();
  azurite = await startAzurite({ port, dataDir });
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    env: { AzureWebJobsStorage: azurite.connectionString },
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function requestLoan(amount: number): Promise<string> {
  const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'equipment', termMonths: 36 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
  return res.body.id;
}

async function decide(id: string, who: string) {
  const res = await host.as(who).post(`/api/approvals/${id}/decision`, { decision: 'approve' });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
}

/** Megan's row of the Approver workload section, as the dashboard reads it at the host's time. */
async function megansWorkload(): Promise<Record<string, unknown>> {
  const now = (await host.clock.now()).toISOString();
  const res = await host.system.get<View>(
    `/api/dashboard/views/approvals?closedDays=30&now=${encodeURIComponent(now)}`,
  );
  expect(res.status).toBe(200);
  const section = res.body.sections.find((s) => s.id === 'approver-workload');
  const row = section?.rows.find((r) => r.cells.approver === 'Megan Bowen');
  expect(row, JSON.stringify(section)).toBeDefined();
  return row?.cells ?? {};
}

describe('the approver workload', () => {
  it('counts what waits for an approver, and a decision once, timed from when they were asked', async () => {
    const first = await requestLoan(4_000);
    // Read from her entity (a row counted from the scanned requests would carry "approx").
    expect(await megansWorkload()).toEqual({
      approver: 'Megan Bowen',
      open: 1,
      decidedThisWeek: 0,
      average: null,
      averagedOver: 0,
      oldestOpen: expect.any(String),
    });
    await host.clock.advance('PT2H');
    await decide(first, 'megan');
    expect(await megansWorkload()).toMatchObject({
      open: 0,
      decidedThisWeek: 1,
      average: 2 * HOUR,
      averagedOver: 1,
      oldestOpen: null,
    });
    const entity = await host.system.get<{
      requests: Record<string, unknown>;
      closed?: Record<string, unknown>;
    }>(`/runtime/webhooks/durabletask/entities/ApproverWorkload/${MEGAN}`);
    expect(entity.status).toBe(200);
    // Decided: no longer waiting, kept once among the closed requests.
    expect(Object.keys(entity.body.requests)).toEqual([]);
    expect(Object.keys(entity.body.closed ?? {})).toEqual([first]);
  });

  it('counts a decision once when its recording is retried while table storage is down', async () => {
    const second = await requestLoan(5_000);
    expect(await megansWorkload()).toMatchObject({ open: 1, decidedThisWeek: 1 });
    await host.clock.advance('PT4H');

    await azurite.stop();
    const decided = await host.as('megan').post(`/api/approvals/${second}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(202);
    await host.idle();
    // The workflow retries the record of the decision with backoff; each attempt signals again.
    await host.clock.advance('PT2M');
    await host.idle();
    const waiting = await host.as('patti').get<{ waitingFor?: { what: string } }>(`/api/approvals/${second}`);
    expect(waiting.body.waitingFor?.what).toContain('audit log');
    azurite = await startAzurite({ port, dataDir });
    await host.clock.advance('PT10M');
    await host.idle();

    const done = await host.as('patti').get<{ state: string }>(`/api/approvals/${second}`);
    expect(done.body.state).toBe('Approved');
    expect(await megansWorkload()).toMatchObject({
      open: 0,
      decidedThisWeek: 2,
      average: 3 * HOUR,
      averagedOver: 2,
    });
  });

  it('starts a new week on Monday 00:00 UTC of the host’s clock, and keeps the average over 30 days', async () => {
    await host.clock.advance('P7D');
    await host.idle();
    expect(await megansWorkload()).toMatchObject({
      open: 0,
      decidedThisWeek: 0,
      average: 3 * HOUR,
      averagedOver: 2,
    });
    const third = await requestLoan(6_000);
    await host.clock.advance('PT30M');
    await decide(third, 'megan');
    expect(await megansWorkload()).toMatchObject({ open: 0, decidedThisWeek: 1, averagedOver: 3 });
  });
});
