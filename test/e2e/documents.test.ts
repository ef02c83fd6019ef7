/**
 * Documents to review, end to end: Patti asks for a loan in the Playground and attaches a
 * document through the approvals API (the Playground sends only text and cards, not files);
 * Megan's approval card, posted proactively, lists it; her click on it answers with a link of her
 * own, which Chromium opens; the same request is not there for Diego, and a link bent to him is
 * refused. Megan asks for another document: Patti reads it in her chat and on her card, adds it,
 * and Megan's card shows it arrived. Links expire on the wall clock (the app's HTTP functions
 * have no virtual time); test/documents.test.ts checks that.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { cardText, executeVerbs, messageText } from './playground';
import { invokeCard, isAbout, requestLoan, type Signoff, startSignoff, waitForInstance } from './signoff';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-results', 'e2e');

/** A 2×2 PNG, as a scan would be. */
function png(): Buffer {
  const image = new PNG({ width: 2, height: 2 });
  image.data.fill(0x80);
  return PNG.sync.write(image);
}

const json = (card: unknown) => JSON.stringify(card);

describe('e2e: documents to review in the Playground', () => {
  let s: Signoff;
  let browser: Browser;
  beforeAll(async () => {
    s = await startSignoff();
    browser = await launchChromium();
    for (const user of ['megan', 'diego', 'patti']) await s.pg.install(user);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  /** Patti adds a file to her request as a client of the approvals API would. */
  async function attach(requestId: string, name: string, type: string, body: Buffer) {
    const res = await fetch(
      `${s.host.url}/api/approvals/${requestId}/documents?name=${encodeURIComponent(name)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.host.token('patti')}`, 'content-type': type },
        body: new Uint8Array(body),
      },
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { document: { id: string; sha256: string } }).document;
  }

  it(
    'attached, opened by the approver, refused to a stranger; another asked for and delivered',
    {
      timeout: 120_000,
    },
    async () => {
      const { pg, host } = s;
      const { requestId, form } = await requestLoan(pg, 'patti', {
        amount: 3200,
        currency: 'EUR',
        purpose: 'Cargo bike',
        termMonths: 24,
      });
      const card = await pg.waitForActivity(
        'megan',
        (m) => isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve')),
        { description: `with the approval card of ${requestId}` },
      );

      // Attached: Megan's card, updated in place, lists it as a button named after it.
      const scan = png();
      const doc = await attach(requestId, 'bike quote.png', 'image/png', scan);
      const listed = await pg.waitForActivity(
        'megan',
        (m) => m.id === card.id && json(m.cards).includes('bike quote.png (PNG image'),
        { description: 'with the document on her card' },
      );
      expect(executeVerbs(listed.cards[0] ?? {})).toEqual(
        expect.arrayContaining(['openDocument', 'approve']),
      );
      const audit = await host
        .as('patti')
        .get<{ audit: Array<{ type: string; details: { sha256?: string } }> }>(`/api/approvals/${requestId}`);
      expect(audit.body.audit.find((a) => a.type === 'document')?.details.sha256).toBe(doc.sha256);

      // Opened by the approver: the click answers with her card and a link of hers, which the
      // browser opens without signing in.
      const opened = invokeCard(await pg.clickAction('megan', listed, 'openDocument'));
      expect(cardText(opened)).toMatch(/yours alone and works for 5 minutes/);
      const url = /"url":"([^"]*\/api\/documents\/[^"]*)"/.exec(json(opened))?.[1] as string;
      expect(url).toContain(`/api/documents/${requestId}/${doc.id}`);
      const page = await browser.newPage();
      try {
        const shown = await page.goto(url);
        expect(shown?.status()).toBe(200);
        expect(shown?.headers()['content-type']).toBe('image/png');
        expect(Buffer.from((await shown?.body()) ?? []).equals(scan)).toBe(true);

        // Refused to a stranger: Diego has no part in the request, so the bot finds none for him,
        // and Megan's link bent to his name is not a link Signoff gave out.
        // (a card in his own chat, the greeting, sent with this request's document in its data: what
        // a crafted click would carry).
        const greeting = (await pg.conversation('diego')).find((m) => m.from === 'bot');
        const diego = await pg.clickAction('diego', greeting?.id as string, 'openDocument', {
          requestId,
          documentId: doc.id,
        });
        expect(json(diego)).toContain('There is no request');
        expect(json(diego)).not.toContain('/api/documents/');
        const bent = new URL(url);
        bent.searchParams.set('u', pg.user('diego').aadObjectId);
        const refused = await page.goto(bent.href);
        expect(refused?.status()).toBe(403);
        expect(await refused?.text()).toContain('not a document link Signoff gave out');
      } finally {
        await page.close();
      }

      // A second document asked for: Patti reads it in chat and on her card ...
      const asked = invokeCard(
        await pg.clickAction('megan', listed, 'askDocument', undefined, {
          documentNote: 'The signed invoice',
        }),
      );
      expect(json(asked)).toContain(
        'Megan Bowen asked the requester for another document: The signed invoice',
      );
      await pg.waitForActivity(
        'patti',
        (m) => /Megan Bowen asks for another document for .*: The signed invoice/.test(messageText(m)),
        { description: 'with the line about the document asked for' },
      );
      await pg.waitForActivity(
        'patti',
        (m) =>
          m.id === form.id &&
          /Megan Bowen asks you for another document: The signed invoice/.test(messageText(m)),
        { description: 'with her card saying what is wanted' },
      );

      // ... and delivers it: Megan's card shows it arrived, and she is told.
      await attach(requestId, 'invoice.pdf', 'application/pdf', Buffer.from('%PDF-1.7\n% invoice\n%%EOF\n'));
      const arrived = await pg.waitForActivity(
        'megan',
        (m) => m.id === card.id && /The signed invoice\. Arrived: invoice\.pdf\./.test(messageText(m)),
        { description: 'with her card showing the document arrived' },
      );
      expect(json(arrived.cards)).toContain('invoice.pdf (PDF');
      await pg.waitForActivity(
        'megan',
        (m) => /added "invoice\.pdf" to .*, the document you asked for/.test(messageText(m)),
        {
          description: 'with the line that it arrived',
        },
      );

      expect(invokeCard(await pg.clickAction('megan', arrived, 'approve'))).toBeTruthy();
      const done = await waitForInstance(host, requestId, ['Completed']);
      expect(JSON.stringify(done.output)).toMatch(/Approved/);
    },
  );

  it(
    'in the web UI: the approver clicks the document on her card and opens it through the link',
    {
      timeout: 120_000,
    },
    async () => {
      const { pg } = s;
      const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.route('**/*', (route) => {
        const host = new URL(route.request().url()).hostname;
        return host === '127.0.0.1' || host === 'localhost'
          ? route.continue()
          : route.abort('internetdisconnected');
      });
      try {
        await page.goto(await pg.url('megan'));
        await page.getByRole('treeitem', { name: /Personal Chat/ }).waitFor();
        const { requestId } = await requestLoan(pg, 'patti', {
          amount: 1800,
          currency: 'EUR',
          purpose: 'Standing desk',
          termMonths: 12,
        });
        await pg.waitForActivity(
          'megan',
          (m) => isAbout(requestId)(m) && executeVerbs(m.cards[0] ?? {}).includes('approve'),
          {
            description: 'the approval card',
          },
        );
        const scan = png();
        await attach(requestId, 'desk quote.png', 'image/png', scan);

        const card = page.locator('.ac-adaptiveCard', { hasText: requestId }).last();
        const documentButton = card.getByRole('button', { name: /desk quote\.png \(PNG image/ });
        await documentButton.waitFor();
        await documentButton.click();
        // Action.OpenUrl: the Adaptive Cards renderer gives it the role of a link.
        const open = page.getByRole('link', { name: 'Open desk quote.png' });
        await open.waitFor();
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page
          .locator('.ac-adaptiveCard', { hasText: 'is ready to open' })
          .last()
          .screenshot({ path: path.join(ARTIFACTS, 'document-link.png') });
        const responded = page.context().waitForEvent('response', (r) => r.url().includes('/api/documents/'));
        const [popup] = await Promise.all([page.waitForEvent('popup'), open.click()]);
        const shown = await responded;
        expect(shown.status()).toBe(200);
        expect(shown.headers()['content-type']).toBe('image/png');
        expect(Buffer.from(await shown.body()).equals(scan)).toBe(true);
        await popup.close();
      } catch (error) {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'document-open-failed.png') });
        throw error;
      } finally {
        await page.close();
      }
    },
  );
});
