/**
 * Entities on the operator dashboard (/_dashboard/#/entities) in headless Chromium, against the
 * entity fixture app: entities listed beside instances with their state, the one held by a
 * critical section showing its holder and the signal waiting behind it, an entity's recent
 * operations (a failed one marked), and the name filter kept in the URL. Also the list API's
 * `lockedBy`, `backlogQueueSize` and `recentOperations` the page reads.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { launchChromium } from './support/chromium';

const API = '/runtime/webhooks/durabletask';

let host: TestHost;
let browser: Browser;
let page: Page;
let holder = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  host = await startTestHost({ app: 'test/fixtures/entity-app', clock: 'virtual' });
  for (const [op, n] of [
    ['add', 2],
    ['add', 3],
    ['addThenFail', 5],
  ] as const) {
    await host.system.post(`${API}/entities/Counter/shown?op=${op}`, JSON.stringify(n));
  }
  await host.system.post(`${API}/entities/Account/savings?op=deposit`, '250');
  holder = (await host.client.start('holdUntilEvent', 'locked')).id;
  await host.client.waitFor(holder, ['Running'], (s) =>
    (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
  );
  await host.system.post(`${API}/entities/Counter/locked?op=add`, '1');
  await host.idle();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${host.url}/_dashboard/?code=${encodeURIComponent(host.systemKey)}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

it('lists each entity with its lock holder, the messages waiting and its recent operations', async () => {
  const list = await host.system.get<Array<Record<string, unknown>>>(
    `${API}/entities/counter?fetchState=true&showOperations=true`,
  );
  const locked = list.body.find((e) => (e.entityId as { key: string }).key === 'locked');
  expect(locked).toMatchObject({ state: 1000, lockedBy: holder, backlogQueueSize: 1 });
  const shown = list.body.find((e) => (e.entityId as { key: string }).key === 'shown');
  expect(shown).toMatchObject({ state: 10, lockedBy: null, backlogQueueSize: 0 });
  const ops = shown?.recentOperations as Array<{
    operation: string;
    failed: boolean;
    signal: boolean;
    from: null;
  }>;
  // newest first
  expect(ops.map((o) => [o.operation, o.failed])).toEqual([
    ['addThenFail', true],
    ['add', false],
    ['add', false],
  ]);
  expect(ops.every((o) => o.signal && o.from === null)).toBe(true);
  // without showOperations the answer is the extension's
  const plain = await host.system.get<Array<Record<string, unknown>>>(`${API}/entities/counter`);
  expect(plain.body.every((e) => e.recentOperations === undefined && e.state === undefined)).toBe(true);
});

it('shows entities beside instances, with state, lock holder and recent operations', async () => {
  await page.goto(`${host.url}/_dashboard/#/entities`);
  const shown = page.locator('#entities tr[data-entity="@counter@shown"]');
  await shown.waitFor();
  expect(await shown.textContent()).toContain('10');
  await page.locator('#entities tr[data-entity="@account@savings"]').waitFor();
  const locked = page.locator('#entities tr[data-entity="@counter@locked"]');
  expect(await locked.textContent()).toContain(holder);
  expect(await locked.locator('td').nth(4).textContent()).toBe('1');

  await shown.locator('button').click();
  const detail = page.locator('#entities tr.entity-detail:not([hidden])');
  await detail.waitFor();
  const rows = detail.locator('table.entity-ops tbody tr');
  expect(await rows.count()).toBe(3);
  expect(await rows.nth(0).getAttribute('class')).toBe('row-failed');
  expect(await rows.nth(0).textContent()).toContain('addThenFail');
  expect(await rows.nth(1).getAttribute('class')).toBeNull();

  await page.locator('#e-name').fill('Account');
  await page.locator('#entity-filters button[type="submit"]').click();
  await page.waitForFunction(() => document.querySelectorAll('#entities tr[data-entity]').length === 1);
  expect(new URL(page.url()).searchParams.get('entity')).toBe('Account');
  expect(await page.locator('#entities tr[data-entity]').getAttribute('data-entity')).toBe(
    '@account@savings',
  );
  expect(pageErrors).toEqual([]);
});

it("shows an orchestration's entity calls and its lock on its timeline", async () => {
  await page.goto(`${host.url}/_dashboard/#/instances/${holder}`);
  const rows = page.locator('.tl-row[data-kind="entity"]');
  await rows.first().waitFor();
  const labels = await rows.allTextContents();
  expect(labels.some((l) => l.includes('lock @counter@locked'))).toBe(true);
  expect(labels.some((l) => l.includes('@counter@locked add'))).toBe(true);
  expect(pageErrors).toEqual([]);
});
