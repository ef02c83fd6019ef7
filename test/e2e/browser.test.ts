/**
 * The Playground's web UI in Chromium: the approver's page shows the approval card the bot posted
 * proactively, a screenshot of it is kept (test-results/e2e/), and clicking Approve in the page
 * completes the request. Requests to anything but loopback (the UI's fonts and icons on the
 * Office CDN) are aborted, so the page renders offline with fallback fonts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { executeVerbs } from './playground';
import { isAbout, requestLoan, type Signoff, startSignoff, waitForInstance } from './signoff';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-results', 'e2e');

describe('e2e: the approval card in the Playground web UI', () => {
  let s: Signoff;
  let browser: Browser;
  const offline: string[] = [];

  beforeAll(async () => {
    s = await startSignoff();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  async function openPlayground(user: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return route.continue();
      offline.push(host);
      return route.abort('internetdisconnected');
    });
    await page.goto(await s.pg.url(user));
    await page.getByRole('treeitem', { name: /Personal Chat/ }).waitFor();
    return page;
  }

  it('shows the proactive approval card, and Approve in the page decides', { timeout: 120_000 }, async () => {
    const { pg, host } = s;
    // The page is open before the card is sent: the Playground streams new messages to the
    // pages connected at the time (only a Playground with no page at all buffers them).
    const page = await openPlayground('megan');
    await pg.install('megan');
    await pg.install('patti');

    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 7500,
      currency: 'EUR',
      purpose: 'Cargo bike for deliveries',
      termMonths: 24,
    });
    await pg.waitForActivity(
      'megan',
      (m) => isAbout(requestId)(m) && executeVerbs(m.cards[0] ?? {}).includes('approve'),
      {
        description: 'the approval card',
      },
    );

    const card = page.locator('.ac-adaptiveCard', { hasText: requestId }).last();
    await card.getByText('Your approval is needed').waitFor();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'approval-card.png');
    await card.screenshot({ path: shot });

    const png = PNG.sync.read(fs.readFileSync(shot));
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(300);
    expect(png.width).toBeLessThan(1280);
    // Not a blank image: a card has text, lines and buttons.
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
    expect(colours.size).toBeGreaterThan(10);

    // The real UI sends the adaptiveCard/action invoke for the click.
    await card.getByRole('button', { name: 'Approve' }).click();
    try {
      const invoke = await waitFor(async () =>
        (await pg.deliveries('megan')).find((d) => d.type === 'invoke'),
      );
      expect(invoke.status).toBe(200);
      expect(invoke.activity).toMatchObject({
        name: 'adaptiveCard/action',
        from: { id: pg.user('megan').id },
        value: { action: { verb: 'approve', data: { requestId } } },
      });
      await waitForInstance(host, requestId, ['Completed']);
      // The page shows the decision (the invoke response), then the outcome the bot puts on every
      // card when the request completes; under load the second may come first.
      const decided = page
        .locator('.ac-adaptiveCard', { hasText: requestId })
        .filter({ hasText: /approved/i });
      await decided.last().waitFor();
      expect(await decided.last().getByRole('button', { name: 'Approve' }).count()).toBe(0);
    } catch (error) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'playground-click-failed.png') });
      throw error;
    }
    expect((await pg.deliveries('megan')).filter((d) => d.type === 'invoke')).toHaveLength(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playground-after-approve.png') });
    // Whatever the page wanted from outside (fonts, icons) was refused, not fetched.
    expect(offline.every((h) => h.endsWith('.office.net') || h.endsWith('.microsoft.com'))).toBe(true);
  });
});

/** Polls `get` until it returns something (bounded). */
async function waitFor<T>(get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
