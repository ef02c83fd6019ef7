/**
 * Every card as a Teams client draws it (preview.ts in Chromium: the Agents Playground's host
 * config, a TextBlock's text read as Markdown with HTML): what a person reads, and whether they
 * can read it. Each check first shows on a card made to fail it that it can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowContrast, MIN_CONTRAST, textContrast } from '../test/support/contrast';
import type { AdaptiveCardJson } from './card';
import { CARD_SCHEMA } from './card';
import { helpCard } from './help';
import { type CardBrowser, openCardBrowser } from './preview';
import { sampleCards } from './samples';

let cards: CardBrowser;

beforeAll(async () => {
  cards = await openCardBrowser();
}, 60_000);
afterAll(async () => {
  await cards?.close();
});

const card = (body: AdaptiveCardJson['body']): AdaptiveCardJson => ({
  type: 'AdaptiveCard',
  version: '1.5',
  $schema: CARD_SCHEMA,
  body,
});

/** The text a person sees on the card shown (`innerText`: what is visible, as laid out). */
async function shownText(shown: AdaptiveCardJson): Promise<string> {
  await cards.show(shown);
  return cards.page.locator('#frame').innerText();
}

/** Every `<word>` in the card's strings: what a client would take for an HTML tag. */
function angleWords(value: unknown): string[] {
  const json = JSON.stringify(value);
  return [...new Set(json.match(/<[a-z][^<>"]*>/gi) ?? [])];
}

describe('text, read as a client reads it', () => {
  it('a TextBlock loses "<amount>" as a client does (the check can fail)', async () => {
    const text = await shownText(
      card([{ type: 'TextBlock', text: 'request loan <amount> [currency] <purpose>', wrap: true }]),
    );
    expect(text).toContain('request loan');
    expect(text).toContain('[currency]');
    expect(text).not.toContain('<amount>');
  });

  it('the help card shows every usage whole, <amount>, <purpose> and <id> included', async () => {
    const text = await shownText(helpCard());
    for (const usage of [
      'request loan <amount> [currency] <purpose>',
      'request <title>',
      'status <id>',
      'cancel <id>',
    ]) {
      expect(text).toContain(usage);
    }
    expect(await shownText(helpCard('status'))).toContain('Did you mean "status <id>"?');
  });

  it('no card loses a <word> of its text', { timeout: 60_000 }, async () => {
    const lost: string[] = [];
    for (const [name, shown] of Object.entries(sampleCards())) {
      const words = angleWords(shown.body);
      if (words.length === 0) continue;
      const text = await shownText(shown);
      for (const word of words) if (!text.includes(word)) lost.push(`${name}: ${word}`);
    }
    expect(lost).toEqual([]);
  });
});

describe('contrast', () => {
  it(`finds text under ${MIN_CONTRAST}:1 on a card made to have it (the check can fail)`, async () => {
    await cards.show(
      card([
        { type: 'TextBlock', text: 'Approved', color: 'Good' },
        { type: 'TextBlock', text: 'Could not reach Nestor', color: 'Warning' },
        { type: 'TextBlock', text: 'Fine', color: 'Default' },
      ]),
    );
    const found = await textContrast(cards.page, '#frame');
    const ratio = (text: string) => found.find((t) => t.text === text)?.ratio ?? 0;
    expect(ratio('Approved')).toBeLessThan(3);
    expect(ratio('Could not reach Nestor')).toBeLessThan(2);
    expect(ratio('Fine')).toBeGreaterThan(MIN_CONTRAST);
    expect(lowContrast(found)).toHaveLength(2);
  });

  it(
    `every text of every card reads at ${MIN_CONTRAST}:1 or more on its background`,
    { timeout: 60_000 },
    async () => {
      const low: string[] = [];
      let checked = 0;
      for (const [name, shown] of Object.entries(sampleCards())) {
        await cards.show(shown);
        const found = await textContrast(cards.page, '#frame');
        checked += found.length;
        low.push(...lowContrast(found).map((line) => `${name}: ${line}`));
      }
      expect(checked).toBeGreaterThan(300);
      expect(low).toEqual([]);
    },
  );
});
