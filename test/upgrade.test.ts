/**
 * Upgrades: requests started under an earlier Signoff keep running under this one. An
 * orchestrator replays its history at every step, so a running instance must meet the same
 * actions in the same order after an upgrade, or the Durable extension fails it as
 * non-deterministic (the embedded host checks the same rule). The earlier Signoff is a real one:
 * each ref below checked out into a temporary git worktree, its app run by this host on a data
 * directory that this checkout's app then takes over, with the test run's Azurite throughout.
 *
 * The refs are the last main of each workflow version whose instances may still be running where
 * Signoff is used: a6549f5 (version 1: before documents and the deferred decision rows) and
 * 96cc06f (version 2: before one preparing activity and the deferred `requested` row). Drop one
 * only when no instance of its workflow can still be running anywhere.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalStatus } from '../domain/decide';
import { isoWeekStart } from '../domain/workload';
import { startTestHost, type TestHost } from '../host/testing';

type Detail = ApprovalStatus & { audit: Array<{ type: string; details: Record<string, unknown> }> };

const root = path.resolve('.');

describe.each([
  { from: 'a6549f5', version: 1 },
  { from: '96cc06f', version: 2 },
])('requests started under $from (workflow version $version)', ({ from, version }) => {
  const old = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-upgrade-from-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-upgrade-data-'));
  let host: TestHost | undefined;

  beforeAll(() => {
    // The whole history is needed (a clone with --depth 1 lacks the commit): say so, do not skip.
    try {
      execFileSync('git', ['cat-file', '-e', `${from}^{commit}`], { cwd: root, stdio: 'pipe' });
    } catch {
      throw new Error(`commit ${from} is not in this clone; fetch the whole history (git fetch --unshallow)`);
    }
    fs.rmSync(old, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'add', '--detach', old, from], { cwd: root, stdio: 'pipe' });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(old, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await host?.stop();
    if (fs.existsSync(path.join(old, '.git')))
      execFileSync('git', ['worktree', 'remove', '--force', old], { cwd: root, stdio: 'pipe' });
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function requestLoan(amount: number): Promise<string> {
    const res = await (host as TestHost).as('patti').post<{ id: string }>('/api/approvals/loan', {
      details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'van', termMonths: 36 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await (host as TestHost).idle();
    return res.body.id;
  }

  async function approve(id: string, approver: string): Promise<void> {
    const res = await (host as TestHost).as(approver).post(`/api/approvals/${id}/decision`, {
      decision: 'approve',
      comment: `ok from ${approver}`,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await (host as TestHost).idle();
  }

  /** Megan's row of the dashboard's Approver workload section, at the host's time. */
  async function megansWorkload(): Promise<Record<string, unknown> | undefined> {
    const now = (await (host as TestHost).clock.now()).toISOString();
    const res = await (host as TestHost).system.get<{
      sections: Array<{ id: string; rows: Array<{ cells: Record<string, unknown> }> }>;
    }>(`/api/dashboard/views/approvals?closedDays=30&now=${encodeURIComponent(now)}`);
    expect(res.status).toBe(200);
    const rows = res.body.sections.find((s) => s.id === 'approver-workload')?.rows ?? [];
    return rows.find((r) => JSON.stringify(r.cells.approver).includes('Megan Bowen'))?.cells;
  }

  async function detail(id: string): Promise<Detail> {
    const res = await (host as TestHost).as('patti').get<Detail>(`/api/approvals/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** A PDF added by the requester, as a client would: the raw body, the name in the query. */
  async function addDocument(id: string): Promise<void> {
    const res = await fetch(`${(host as TestHost).url}/api/approvals/${id}/documents?name=payslip.pdf`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await (host as TestHost).token('patti')}`,
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array(Buffer.from('%PDF-1.4\n% payslip\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')),
    });
    expect(res.status, await res.text()).toBe(201);
    await (host as TestHost).idle();
  }

  it('finish under this Signoff wherever the upgrade caught them', async () => {
    host = await startTestHost({ app: old, dataDir, clock: 'virtual' });
    // Caught waiting for its first stage, and waiting for its second after the first was decided.
    const waiting = await requestLoan(50_000);
    const midway = await requestLoan(60_000);
    await approve(midway, 'megan');
    expect((await detail(midway)).stage?.title).toBe('Risk review');
    // Version 2 also: caught waiting for the document its policy requires.
    const large = version >= 2 ? await requestLoan(150_000) : undefined;
    if (large) expect((await detail(large)).documentRequests?.length).toBe(1);
    await host.stop();

    host = await startTestHost({ app: '.', dataDir, clock: 'virtual' });
    if (version === 1) {
      // No workload was kept before: Megan's figures are counted from the requests, and say so.
      expect(await megansWorkload()).toMatchObject({
        approver: { value: 'Megan Bowen', tag: 'scanned' },
        open: { value: 1, approx: true },
      });
    }
    await approve(waiting, 'megan');
    await approve(waiting, 'alex');
    await approve(midway, 'diego');
    for (const id of [waiting, midway]) {
      const done = await detail(id);
      const status = await host.client.status(id, 'showHistory=false');
      expect(status.body.runtimeStatus, JSON.stringify(status.body)).toBe('Completed');
      expect(done.state).toBe('Approved');
      expect(done.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'decision', 'outcome']);
    }
    if (large) {
      await addDocument(large);
      expect((await detail(large)).stage?.title).toBe('Manager approval');
      for (const approver of ['megan', 'alex', 'lynne']) await approve(large, approver);
      const done = await detail(large);
      expect(done.state, JSON.stringify(done)).toBe('Approved');
      expect(done.audit.map((a) => a.type)).toEqual([
        'requested',
        'document-requested',
        'document',
        'decision',
        'decision',
        'decision',
        'outcome',
      ]);
    }
    if (version === 1) {
      // Each request's next step filled in the workload of everyone it asked, earlier decisions
      // too (the one made before the upgrade has no known asking time, so only the other is
      // averaged).
      const now = (await host.clock.now()).getTime();
      const megans = [...(await detail(waiting)).decisions, ...(await detail(midway)).decisions].filter(
        (d) => d.approver.name === 'Megan Bowen',
      );
      expect(await megansWorkload()).toMatchObject({
        approver: 'Megan Bowen',
        open: 0,
        decidedThisWeek: megans.filter((d) => isoWeekStart(Date.parse(d.at)) === isoWeekStart(now)).length,
        averagedOver: 1,
      });
    }
  });
});
