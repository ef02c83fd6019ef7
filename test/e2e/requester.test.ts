/**
 * The requester's side in the Playground: the form's message becomes their own card of the
 * request and changes in place at every stage and at the end, with a line of text when a stage
 * passes; an approver Signoff cannot reach is for the approvers' eyes, not the requester's;
 * Cancel on the card closes the request; Review in "pending" opens the one request and keeps the
 * list. In the Playground's web UI (Chromium): the help card shows its usage strings whole, and
 * the requester's updated card is photographed (test-results/e2e/requester-card-updated.png) and
 * its text measured for contrast as the client drew it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { lowContrast, textContrast } from '../support/contrast';
import { type ChatMessage, cardText, executeVerbs, messageText } from './playground';
import { invokeCard, isAbout, requestLoan, type Signoff, startSignoff, waitForInstance } from './signoff';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-results', 'e2e');

describe('e2e: the requester kept informed', () => {
  let s: Signoff;
  let browser: Browser;
  let pattisPage: Page;

  beforeAll(async () => {
    s = await startSignoff();
    // Diego, a risk officer, never installs Signoff: the bot cannot reach him.
    for (const user of ['megan', 'alex', 'patti']) await s.pg.install(user);
    browser = await launchChromium();
    pattisPage = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    // Offline: the UI's fonts and icons on the Office CDN are refused.
    await pattisPage.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
    });
    // Open before anything is sent: the Playground streams new messages to the pages connected.
    await pattisPage.goto(await s.pg.url('patti'));
    await pattisPage.getByRole('treeitem', { name: /Personal Chat/ }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  const canDecide = (requestId: string) => (m: ChatMessage) =>
    isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve'));

  it('the help card shows every usage whole in the web UI, <amount> and <id> included', async () => {
    await s.pg.sendMessage('patti', 'help');
    const help = pattisPage.locator('.ac-adaptiveCard', { hasText: 'Ask for approvals' }).last();
    await help.waitFor();
    const shown = await help.innerText();
    for (const usage of ['request loan <amount> [currency] <purpose>', 'request <title>', 'status <id>']) {
      expect(shown).toContain(usage);
    }
  });

  it('the card updates in place through the stages and the outcome, with a note when a stage passes', async () => {
    const { pg, host } = s;
    const { requestId, form, response } = await requestLoan(pg, 'patti', {
      amount: 50000,
      currency: 'EUR',
      purpose: 'Warehouse shelving',
      termMonths: 60,
    });
    // The form's answer is Patti's own card: where it stands, with Cancel; no risk score.
    const mine = cardText(response as Record<string, unknown>);
    expect(mine).toContain('Waiting for approval');
    expect(mine).not.toContain('Risk score');
    expect(executeVerbs(response as Record<string, unknown>)).toEqual(['cancel']);

    // Megan approves, with a comment that stays with her approval.
    const megansCard = await pg.waitForActivity('megan', canDecide(requestId), { description: 'card' });
    const approved = await pg.clickAction('megan', megansCard, 'approve', undefined, {
      comment: 'Shelving quote checked',
    });
    expect(cardText(invokeCard(approved))).toContain('Your comment: Shelving quote checked');

    // Patti's form message now shows the risk stage, Megan's comment and still Cancel; she
    // reads that it waits for the risk officers, not that Diego cannot be reached.
    const moved = await pg.waitForActivity(
      'patti',
      (m) =>
        m.id === form.id &&
        m.versions.some((v) => v.source === 'updated') &&
        /Stage 2 of 2/.test(messageText(m)),
      { description: 'her card at the second stage' },
    );
    const movedText = messageText(moved);
    expect(movedText).toContain('Risk review');
    expect(movedText).toContain('Shelving quote checked');
    expect(movedText).toContain('Waiting for Alex Wilber and Diego Siciliani');
    expect(movedText).not.toContain('Could not reach');
    expect(movedText).not.toContain('Risk score');
    expect(executeVerbs(moved.cards[0] ?? {})).toEqual(['cancel']);
    const note = await pg.waitForActivity(
      'patti',
      (m) => m.from === 'bot' && (m.text ?? '').includes('passed stage 1 of 2'),
      { description: 'the note that stage 1 passed' },
    );
    expect(note.text).toMatch(/approved by Megan Bowen\. It now waits for Risk review \(stage 2 of 2\)\.$/);
    expect(note.cards).toEqual([]);
    // The approvers see who cannot be reached, on the view Teams fetches when the card is shown.
    const alexsCard = await pg.waitForActivity('alex', canDecide(requestId), { description: "Alex's card" });
    await waitForInstance(host, requestId, ['Running'], (i) =>
      JSON.stringify(i.customStatus ?? {}).includes('"unreachable":[{'),
    );
    const refreshed = await pg.clickAction('alex', alexsCard, 'refresh', { requestId });
    expect(cardText(invokeCard(refreshed))).toContain('Could not reach Diego Siciliani');

    // The web UI shows her card changed in place: photographed, and measured for contrast.
    const card = pattisPage
      .locator('.ac-adaptiveCard', { hasText: 'Stage 2 of 2' })
      .filter({ hasText: requestId });
    await card.last().waitFor();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'requester-card-updated.png');
    await card.last().screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    const shown = await card.last().innerText();
    expect(shown).toContain('Risk review');
    expect(shown).toContain('Cancel request');
    expect(shown).not.toContain('Send for approval');
    const measured = await textContrast(card.last());
    expect(measured.length).toBeGreaterThan(10);
    expect(lowContrast(measured)).toEqual([]);

    // Alex approves: her card shows the outcome in place, and a line says so.
    await pg.clickAction('alex', alexsCard, 'approve');
    await waitForInstance(host, requestId, ['Completed']);
    const done = await pg.waitForActivity(
      'patti',
      (m) => m.id === form.id && /Approved/.test(messageText(m)) && !/Stage 2 of 2/.test(messageText(m)),
      { description: 'her card with the outcome' },
    );
    expect(executeVerbs(done.cards[0] ?? {})).toEqual([]);
    await pg.waitForActivity('patti', (m) => m.from === 'bot' && /is approved\.$/.test(m.text ?? ''), {
      description: 'the outcome note',
    });
    // One card for the request in her chat: the form's message, no second outcome card.
    expect(
      (await pg.conversation('patti')).filter((m) => m.cards.some((c) => cardText(c).includes(requestId))),
    ).toHaveLength(1);
  });

  it('Cancel on her card closes the request, and every card follows', async () => {
    const { pg, host } = s;
    const { requestId, form } = await requestLoan(pg, 'patti', {
      amount: 1500,
      currency: 'EUR',
      purpose: 'Standing desk',
      termMonths: 12,
    });
    const megansCard = await pg.waitForActivity('megan', canDecide(requestId), { description: 'card' });
    const cancelled = await pg.clickAction('patti', form.id, 'cancel');
    expect(cardText(invokeCard(cancelled))).toContain('Cancelled');
    expect(executeVerbs(invokeCard(cancelled))).toEqual([]);
    const done = await waitForInstance(host, requestId, ['Completed']);
    expect(done.output).toMatchObject({ state: 'Cancelled' });
    await pg.waitForActivity(
      'megan',
      (m) => m.id === megansCard.id && /Cancelled/.test(messageText(m)) && !canDecide(requestId)(m),
      { description: 'her card showing the cancellation' },
    );
  });

  it('Review in "pending" opens the one request below and keeps the list', async () => {
    const { pg } = s;
    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 900,
      currency: 'EUR',
      purpose: 'Monitor',
      termMonths: 6,
    });
    await pg.waitForActivity('megan', canDecide(requestId), { description: 'card' });
    const asked = await pg.sendMessage('megan', 'pending');
    const list = await pg.waitForActivity(
      'megan',
      (m) => m.timestamp > asked.timestamp && /Waiting for your decision/.test(messageText(m)),
      { description: 'the pending list' },
    );
    const before = (await pg.conversation('megan')).length;
    const opened = await pg.clickAction('megan', list, 'open', { requestId });
    expect(opened.status).toBe(200);
    expect(opened.type).toBe('application/vnd.microsoft.activity.message');
    const card = await pg.waitForActivity(
      'megan',
      (m) => m.timestamp > list.timestamp && canDecide(requestId)(m),
      { description: 'the opened request' },
    );
    expect((await pg.conversation('megan')).length).toBe(before + 1);
    // The list is still the list.
    const listNow = (await pg.conversation('megan')).find((m) => m.id === list.id);
    expect(listNow?.versions).toHaveLength(1);
    expect(messageText(listNow as ChatMessage)).toContain('Waiting for your decision');
    expect(invokeCard(await pg.clickAction('megan', card, 'approve'))).toBeTruthy();
  });

  it('a command missing its id says so in words', async () => {
    const asked = await s.pg.sendMessage('patti', 'status');
    const reply = await s.pg.waitForActivity(
      'patti',
      (m) => m.timestamp > asked.timestamp && m.from === 'bot',
      {
        description: 'the answer',
      },
    );
    expect(messageText(reply)).toContain('The request id is missing. Type it like this: status <id>');
    expect(messageText(reply)).not.toContain('requestId');
  });
});
