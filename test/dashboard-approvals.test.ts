/**
 * The operator dashboard as an approvals user reads it, in real headless Chromium against the
 * project's function app on the embedded host (virtual clock): the approvals view gives each
 * request its outcome (Approved, Rejected, Expired, Cancelled, or Waiting) and its stage, never
 * the workflow's runtime status or its custom status as JSON; and every text on the dashboard's
 * pages reads at 4.5:1 or more on its background (WCAG AA), measured on what the browser drew.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoWeekStart } from '../domain/workload';
import { startTestHost, type TestHost } from '../host/testing';
import { launchChromium } from './support/chromium';
import { lowContrast, textContrast } from './support/contrast';

const ARTIFACTS = path.resolve(__dirname, '..', 'test-results');

let host: TestHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const ids = { expired: '', approved: '', rejected: '', cancelled: '', open: '', suspended: '' };
/** When Megan's three decisions were made (the virtual clock stands still between them). */
let decidedAt: Date;

async function requestLoan(amount: number): Promise<string> {
  const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'equipment', termMonths: 36 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
  return res.body.id;
}

async function decide(id: string, who: string, decision: 'approve' | 'reject', comment?: string) {
  const res = await host.as(who).post(`/api/approvals/${id}/decision`, { decision, comment });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  host = await startTestHost({ app: '.', clock: 'virtual' });
  // Nobody decides: the manager's 2 days pass, Adele's escalation day passes, it expires.
  ids.expired = await requestLoan(3_000);
  await host.clock.advance('PT49H');
  await host.idle();
  await host.clock.advance('PT25H');
  await host.idle();
  ids.approved = await requestLoan(4_000);
  await decide(ids.approved, 'megan', 'approve', 'Fine');
  ids.rejected = await requestLoan(6_000);
  await decide(ids.rejected, 'megan', 'reject', 'Not this quarter');
  ids.cancelled = await requestLoan(7_000);
  expect((await host.as('patti').post(`/api/approvals/${ids.cancelled}/cancel`, {})).status).toBe(202);
  await host.idle();
  ids.open = await requestLoan(50_000);
  await decide(ids.open, 'megan', 'approve');
  decidedAt = await host.clock.now();
  // Suspended past its deadline: an overdue row, the red-tinted one.
  ids.suspended = await requestLoan(8_000);
  await host.client.operation(ids.suspended, 'suspend', 'reason=contrast%20test');
  await host.idle();
  await host.clock.advance('PT49H');
  await host.idle();

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${host.url}/_dashboard/?code=${encodeURIComponent(host.systemKey)}`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('the approvals view', () => {
  it('shows each request’s outcome and stage, not "Completed" or JSON', async () => {
    await page.goto(`${host.url}/_dashboard/#/approvals`);
    const row = (id: string) => page.locator(`#requests tr[data-instance="${id}"]`);
    await row(ids.open).waitFor();
    const cells = async (id: string) =>
      (await row(id).locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    const expected: Array<[string, string, string]> = [
      [ids.approved, 'Approved', 'Manager approval (1/1)'],
      [ids.rejected, 'Rejected', 'Manager approval (1/1)'],
      [ids.expired, 'Expired', 'Manager approval (1/1)'],
      [ids.cancelled, 'Cancelled', 'Manager approval (1/1)'],
      [ids.open, 'Waiting', 'Risk review (2/2)'],
    ];
    for (const [id, outcome, stage] of expected) {
      const [, , shownOutcome, shownStage] = await cells(id);
      expect(shownOutcome, id).toBe(outcome);
      expect(shownStage, id).toBe(stage);
    }
    expect((await cells(ids.suspended))[2]).toMatch(/^Waiting\s*suspended$/);
    expect((await cells(ids.rejected))[4]).toBe('Rejected by Megan Bowen at stage "Manager approval"');
    const table = (await page.locator('#requests').textContent()) ?? '';
    expect(table).not.toMatch(/Completed|Running|Suspended|\{"/);
    const open = (await page.locator('#open-approvals').textContent()) ?? '';
    expect(open).not.toMatch(/Running|\{"/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-outcomes.png'), fullPage: true });
  });
});

describe('the approver workload in the approvals view', () => {
  it('gives each approver asked their open requests, decisions this week and time to decide', async () => {
    await page.goto(`${host.url}/_dashboard/#/approvals`);
    const rows = page.locator('#approver-workload tbody tr');
    await rows.first().waitFor();
    const shown = new Map<string, string[]>();
    for (const cells of await rows.evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim()),
      ),
    )) {
      shown.set(cells[0] as string, cells);
    }
    const now = await host.clock.now();
    const thisWeek = isoWeekStart(decidedAt.getTime()) === isoWeekStart(now.getTime()) ? '3' : '0';
    // Megan: the suspended request still waits for her; three decisions, each made as the request
    // arrived; read from her entity (no ≈ of figures counted from the requests).
    expect(shown.get('Megan Bowen')?.slice(1, 3)).toEqual(['1', thisWeek]);
    expect(shown.get('Megan Bowen')?.[4]).toBe('3');
    // The risk officers wait on the open request; Adele's escalation expired.
    expect(shown.get('Alex Wilber')?.slice(1, 3)).toEqual(['1', '0']);
    expect(shown.get('Diego Siciliani')?.slice(1, 3)).toEqual(['1', '0']);
    expect(shown.get('Adele Vance')?.slice(1, 3)).toEqual(['0', '0']);
    expect([...shown.values()].flat().join(' ')).not.toMatch(/≈|scanned/);
  });
});

describe('contrast on the dashboard', () => {
  async function low(address: string, ready: string): Promise<{ low: string[]; checked: number }> {
    await page.goto(`${host.url}/_dashboard/${address}`);
    await page.locator(ready).first().waitFor();
    const found = await textContrast(page, 'body');
    return { low: lowContrast(found), checked: found.length };
  }

  it('every text of the approvals view, the instance list and an instance page reads at 4.5:1 or more', async () => {
    const pages: Array<[string, string]> = [
      ['#/approvals', '#requests'],
      ['#/instances', '#instances'],
      [`#/instances/${ids.rejected}`, '.instance-head'],
      [`#/instances/${ids.suspended}`, '.instance-head'],
    ];
    const problems: string[] = [];
    for (const [address, ready] of pages) {
      const { low: found, checked } = await low(address, ready);
      expect(checked, address).toBeGreaterThan(20);
      problems.push(...found.map((line) => `${address}: ${line}`));
    }
    // The overdue row and the badges of every state are among what was measured.
    await page.goto(`${host.url}/_dashboard/#/approvals`);
    await page.locator('#open-approvals tr.overdue').first().waitFor();
    expect(problems).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
