/**
 * The operator dashboard (/_dashboard) in real headless Chromium, against the project's own
 * function app on the embedded host with a virtual clock: the instance list and its filters
 * (kept in the URL), the instance page (history table, timeline), terminate from the page,
 * and the approvals view flagging an overdue request on the host's clock.
 * Screenshots go to test-results/ (git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { launchChromium } from './support/chromium';

const ARTIFACTS = path.resolve(__dirname, '..', 'test-results');

let host: TestHost;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const ids = { small: '', medium: '', doomed: '', claim: '' };

async function requestLoan(amount: number): Promise<string> {
  const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'equipment', termMonths: 36 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

const dashboard = (suffix = '') => `${host.url}/_dashboard/${suffix}`;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  host = await startTestHost({ app: '.', clock: 'virtual' });

  ids.small = await requestLoan(5_000);
  ids.medium = await requestLoan(50_000);
  ids.doomed = await requestLoan(7_000);
  const today = (await host.clock.now()).toISOString().slice(0, 10);
  const claim = await host.as('patti').post<{ id: string }>('/api/patterns/claims-processing', {
    claimId: `clm-${Date.now()}`,
    customerId: 'cust-dashboard',
    type: 'auto',
    amount: 1500,
    incidentDate: today,
    policy: { deductible: 500, coverageLimit: 20_000, coveredTypes: ['auto'] },
  });
  expect(claim.status).toBe(202);
  ids.claim = claim.body.id;
  await host.idle();
  await host.client.waitFor(ids.claim, ['Completed']);
  // Megan approves the medium loan after 5 hours: it moves on to the risk stage.
  await host.clock.advance('PT5H');
  expect(
    (await host.as('megan').post(`/api/approvals/${ids.medium}/decision`, { decision: 'approve' })).status,
  ).toBe(202);
  await host.idle();

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Sign in as the banner's link does: the key becomes a session cookie of this browser context.
  await page.goto(`${host.url}/_dashboard/?code=${encodeURIComponent(host.systemKey)}`);
  expect(new URL(page.url()).search).toBe('');
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('dashboard', () => {
  it('asks a browser without a session to sign in', async () => {
    const stranger = await browser.newPage();
    const res = await stranger.goto(dashboard());
    expect(res?.status()).toBe(401);
    expect(await stranger.locator('h1').textContent()).toBe('Sign in to the dashboard');
    await stranger.close();
  });

  it('lists the instances the test created', async () => {
    await page.goto(dashboard());
    for (const id of Object.values(ids)) {
      await page.locator(`#instances tr[data-instance="${id}"]`).waitFor();
    }
    await expect(page.locator(`tr[data-instance="${ids.claim}"]`).textContent()).resolves.toContain(
      'claimsProcessing',
    );
    await expect(page.locator(`tr[data-instance="${ids.claim}"]`).textContent()).resolves.toContain(
      'Completed',
    );
    await shot('list');
  });

  it('narrows the list by status and id prefix, and keeps the filters in the URL', async () => {
    await host.client.operation(ids.small, 'suspend', 'reason=dashboard%20test');
    await page.goto(dashboard());
    await page.locator('#instances').waitFor();
    await page.locator('input[data-status="Running"]').check();
    await page.locator('#f-prefix').fill('loan-');
    await page.locator('#f-apply').click();
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll('#instances tbody tr'));
      return rows.length === 2 && rows.every((r) => r.getAttribute('data-instance')?.startsWith('loan-'));
    });
    const url = new URL(page.url());
    expect(url.searchParams.get('status')).toBe('Running');
    expect(url.searchParams.get('prefix')).toBe('loan-');
    const shown = await page
      .locator('#instances tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')));
    expect(shown.sort()).toEqual([ids.medium, ids.doomed].sort());

    // The link alone reproduces the view.
    const again = await context.newPage();
    await again.goto(url.href);
    await again.locator(`#instances tr[data-instance="${ids.medium}"]`).waitFor();
    expect(await again.locator('input[data-status="Running"]').isChecked()).toBe(true);
    expect(await again.locator('#f-prefix').inputValue()).toBe('loan-');
    expect(await again.locator('#instances tbody tr').count()).toBe(2);
    await again.close();

    // Suspended only: the one suspended loan.
    await page.locator('input[data-status="Running"]').uncheck();
    await page.locator('input[data-status="Suspended"]').check();
    await page.locator('#f-apply').click();
    await page.waitForFunction(() => document.querySelectorAll('#instances tbody tr').length === 1);
    expect(await page.locator('#instances tbody tr').getAttribute('data-instance')).toBe(ids.small);
    expect(new URL(page.url()).searchParams.get('status')).toBe('Suspended');
  });

  it('shows an instance: history table, timeline and what it waits for', async () => {
    await page.goto(dashboard(`#/instances/${encodeURIComponent(ids.claim)}`));
    await page.locator('#history').waitFor();
    const history = await page.locator('#history').textContent();
    expect(history).toContain('ExecutionStarted');
    expect(history).toContain('claimValidate');
    expect(history).toContain('ExecutionCompleted');
    expect(await page.locator('#timeline .tl-row[data-kind="activity"]').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#glance').textContent()).toContain('Completed');
    expect(await page.locator('#output').textContent()).toContain('payout');
    await shot('instance-completed');

    await page.goto(dashboard(`#/instances/${encodeURIComponent(ids.medium)}`));
    await page.locator('#timeline').waitFor();
    // Megan's decision arrived 5 hours after the request: a wait row ending at the event.
    const wait = page.locator('#timeline .tl-row[data-kind="wait"]');
    expect(await wait.count()).toBe(1);
    expect(await wait.textContent()).toContain('5h 0m');
    expect(await page.locator('#timeline .tl-row[data-kind="timer"]').count()).toBeGreaterThanOrEqual(1);
    const glance = await page.locator('#glance').textContent();
    expect(glance).toContain('Alex Wilber');
    expect(glance).toContain('Risk review');
    await shot('instance-waiting');
  });

  it('terminates an instance from its page, after confirming', async () => {
    await page.goto(dashboard(`#/instances/${encodeURIComponent(ids.doomed)}`));
    await page.locator('#actions [data-action="terminate"]').click();
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    await dialog.locator('input[name="reason"]').fill('duplicate request');
    await dialog.locator('button[value="confirm"]').click();
    await page.locator('#answer').waitFor();
    expect(await page.locator('#answer').textContent()).toContain('HTTP 202');
    await page.locator('.instance-head .badge', { hasText: 'Terminated' }).waitFor();
    const status = await host.client.status(ids.doomed, '');
    expect(status.body.runtimeStatus).toBe('Terminated');
    await shot('instance-terminated');
  });

  it('flags an overdue approval on the host clock, with approver waits and unreachable approvers', async () => {
    // The suspended loan keeps its 2-day manager deadline but cannot escalate while suspended.
    await host.clock.advance('PT49H');
    await page.goto(dashboard('#/approvals'));
    const overdue = page.locator(`#open-approvals tr.overdue[data-instance="${ids.small}"]`);
    await overdue.waitFor();
    expect(await overdue.textContent()).toMatch(/overdue by 6h 0m/);
    const medium = page.locator(`#open-approvals tr[data-instance="${ids.medium}"]`);
    expect((await medium.getAttribute('class')) ?? '').not.toContain('overdue');
    expect(await medium.textContent()).toContain('Risk review');
    expect(await page.locator(`#open-approvals tr[data-instance="${ids.doomed}"]`).count()).toBe(0);
    // The browser's clock is 2 days behind the virtual one: the page says which clock it uses.
    expect(await page.locator('#clock').textContent()).toContain('virtual clock of the host');
    const waits = await page.locator('#approver-waits').textContent();
    expect(waits).toContain('Megan Bowen');
    expect(waits).toContain('5h 0m');
    // Megan waits on the suspended loan only: the terminated one still says "Pending" but is over.
    const megan = page.locator('#approver-waits tr', { hasText: 'Megan Bowen' });
    expect(await megan.locator('td').nth(4).textContent()).toBe('1');
    expect(await page.locator('#unreachable').textContent()).toContain('Alex Wilber');
    await shot('approvals');
    expect(pageErrors).toEqual([]);
  });
});
