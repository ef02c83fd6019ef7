/**
 * Table storage goes away in the middle of an approval and comes back: a real Azurite (its own,
 * with its data on disk) is stopped after the request started and restarted on the same port and
 * data. Meanwhile the request waits, saying what for, the API answers 503 where it needs storage,
 * and afterwards nothing is lost or written twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AzuriteHandle, freePort, startAzurite } from '../host/azurite';
import { startTestHost, type TestHost } from '../host/testing';

const MEGAN = '00000000-0000-0000-0000-00000000a001';
let host: TestHost;
let azurite: AzuriteHandle;
let port: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-outage-'));

interface Detail {
  state: string;
  waitingFor?: { what: string; since: string; error: string };
  audit: Array<{ type: string; actor: string }> | null;
  auditUnavailable?: string;
}

beforeAll(async () => {
  port = await freePort();
  azurite = await startAzurite({ port, dataDir });
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    env: { AzureWebJobsStorage: azurite.connectionString },
  });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('holds a decision while table storage is down, says so, and records it once when storage is back', async () => {
  const started = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Outage', amount: 5_000, currency: 'EUR', purpose: 'storage', termMonths: 12 },
  });
  expect(started.status).toBe(202);
  const id = started.body.id;
  await host.idle();

  await azurite.stop();
  // The decision is checked against the workflow's status, which does not live in table storage.
  const decided = await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' });
  expect(decided.status).toBe(202);
  await host.idle();

  const waiting = await host.as('patti').get<Detail>(`/api/approvals/${id}`);
  expect(waiting.status).toBe(200);
  expect(waiting.body.waitingFor).toMatchObject({ what: expect.stringContaining('audit log') });
  expect(waiting.body.waitingFor?.error).toMatch(/ECONNREFUSED/);
  expect(waiting.body).toMatchObject({ audit: null, auditUnavailable: expect.stringContaining('storage') });
  const list = await host.as('patti').get<{ code: string }>('/api/approvals');
  expect(list.status).toBe(503);
  expect(list.headers.get('retry-after')).toBe('10');
  expect(list.body.code).toBe('STORAGE_UNAVAILABLE');
  // Retries go on with backoff while it is down.
  await host.clock.advance('PT2M');
  await host.idle();
  expect((await host.as('patti').get<Detail>(`/api/approvals/${id}`)).body.waitingFor).toBeDefined();

  azurite = await startAzurite({ port, dataDir });
  await host.clock.advance('PT10M');
  await host.idle();

  const done = await host.as('patti').get<Detail>(`/api/approvals/${id}`);
  expect(done.body.state).toBe('Approved');
  expect(done.body.waitingFor).toBeUndefined();
  expect(done.body.audit?.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);
  expect(done.body.audit?.find((a) => a.type === 'decision')?.actor).toBe(MEGAN);
  const listed = await host
    .as('patti')
    .get<{ items: Array<{ id: string; state: string }> }>('/api/approvals');
  expect(listed.body.items.find((i) => i.id === id)?.state).toBe('Approved');
});
