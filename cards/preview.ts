/**
 * `npm run cards:preview [-- --out <dir>]`: renders every sample card (cards/samples.ts) to a PNG
 * with the official Adaptive Cards HTML renderer (`AdaptiveCard.render()`) in headless Chromium,
 * offline: the renderer's browser bundle and stylesheet are inlined into the page. It renders as
 * a client does (client.ts): with the host config of the Agents Playground's web client (Teams'
 * light theme) and a TextBlock's text read as Markdown with HTML, so what a client would hide or
 * show in low contrast shows here too. Images go to `cards-preview/` (git-ignored) unless `--out`
 * says otherwise.
 *
 * {@link openCardBrowser} is the same page for tests that look at rendered cards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { AdaptiveCardJson } from './card';
import { CLIENT_MARKDOWN_SCRIPT, clientHostConfig, type HostConfigJson } from './client';
import { sampleCards } from './samples';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** About the width Teams gives a card in a chat on a laptop screen. */
const CARD_WIDTH = 520;

const FONT = "'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif";

/** The client's host config (its colours, spacing and sizes), in the preview's font. */
export function previewHostConfig(): HostConfigJson {
  return { ...clientHostConfig(), fontFamily: FONT };
}

const STYLE = `
  body { margin: 0; padding: 16px; background: #f0f0f0; font-family: ${FONT}; }
  .frame { width: ${CARD_WIDTH}px; background: #fff; border-radius: 8px; overflow: hidden;
           box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  .ac-pushButton { font-family: ${FONT}; font-size: 14px; padding: 6px 16px; border-radius: 4px;
                   border: 1px solid #d1d1d1; background: #fff; color: #242424; font-weight: 600; }
  .ac-pushButton.style-positive { background: #5b5fc7; border-color: #5b5fc7; color: #fff; }
  .ac-pushButton.style-destructive { background: #fff; border-color: #c4314b; color: #c4314b; }
  .ac-input { font-family: ${FONT}; font-size: 14px; }
  .ac-input.ac-textInput, .ac-input.ac-numberInput, select { border: 1px solid #d1d1d1; border-radius: 4px;
                   padding: 6px 8px; box-sizing: border-box; }
`;

function pageHtml(): string {
  const dist = path.dirname(require.resolve('adaptivecards/dist/adaptivecards.min.js'));
  const bundle = fs.readFileSync(path.join(dist, 'adaptivecards.min.js'), 'utf8');
  const css = fs.readFileSync(path.join(dist, 'adaptivecards.css'), 'utf8');
  // `</script` cannot appear inside an inline script; the bundle is plain JS, but be safe.
  const script = bundle.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}${STYLE}</style>
<script>${script}</script></head><body><div id="frame" class="frame"></div></body></html>`;
}

/** A headless Chromium page that shows one card at a time, rendered as a client renders it. */
export interface CardBrowser {
  readonly page: Page;
  /** Renders `card` into `#frame`, replacing the card shown before; throws if it does not render. */
  show(card: AdaptiveCardJson): Promise<void>;
  close(): Promise<void>;
}

export async function openCardBrowser(): Promise<CardBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  const hostConfig = previewHostConfig();
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const context = await browser.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: CARD_WIDTH + 32, height: 800 },
      deviceScaleFactor: 1,
    });
    // Offline by construction: everything is inline, and any request is refused.
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(pageHtml(), { waitUntil: 'load' });
    await page.addScriptTag({ content: CLIENT_MARKDOWN_SCRIPT });
    return {
      page,
      async show(card) {
        const problem = await page.evaluate(
          ({ card, hostConfig }) => {
            // biome-ignore lint/suspicious/noExplicitAny: the bundle's global has no types in the page.
            const AC = (window as any).AdaptiveCards;
            const adaptive = new AC.AdaptiveCard();
            adaptive.hostConfig = new AC.HostConfig(hostConfig);
            adaptive.parse(card);
            const element = adaptive.render();
            const frame = document.getElementById('frame') as HTMLElement;
            frame.replaceChildren();
            if (!element) return 'render() returned nothing';
            frame.appendChild(element);
            return '';
          },
          { card, hostConfig },
        );
        if (problem) throw new Error(problem);
      },
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Renders each card to `<outDir>/<name>.png`; returns the files written. */
export async function renderPreviews(
  cards: Record<string, AdaptiveCardJson>,
  outDir: string,
): Promise<string[]> {
  const cardBrowser = await openCardBrowser();
  try {
    fs.mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    for (const [name, card] of Object.entries(cards)) {
      try {
        await cardBrowser.show(card);
      } catch (error) {
        throw new Error(`Card "${name}": ${(error as Error).message}`);
      }
      const file = path.join(outDir, `${name}.png`);
      await cardBrowser.page.locator('#frame').screenshot({ path: file });
      written.push(file);
    }
    return written;
  } finally {
    await cardBrowser.close();
  }
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--out');
  const outDir = path.resolve(
    flag >= 0 ? (process.argv[flag + 1] ?? '') : path.join(__dirname, '..', 'cards-preview'),
  );
  const files = await renderPreviews(sampleCards(), outDir);
  process.stdout.write(`${JSON.stringify({ outDir, images: files.map((f) => path.basename(f)) })}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
