/**
 * `npm run cards:preview [-- --out <dir>]`: renders every sample card (cards/samples.ts) to a PNG
 * with the official Adaptive Cards HTML renderer (`AdaptiveCard.render()`) in headless Chromium,
 * offline: the renderer's browser bundle and stylesheet are inlined into the page. The host
 * config approximates Teams' light theme, so the pictures show roughly what approvers will see.
 * Images go to `cards-preview/` (git-ignored) unless `--out` says otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { AdaptiveCardJson } from './card';
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
const color = (normal: string, subtle: string) => ({ default: normal, subtle });
const foreground = {
  default: color('#242424', '#616161'),
  dark: color('#242424', '#616161'),
  light: color('#ffffff', '#f5f5f5'),
  accent: color('#5b5fc7', '#7f85f5'),
  good: color('#237b4b', '#13a10e'),
  warning: color('#835c00', '#a67c00'),
  attention: color('#c4314b', '#d13438'),
};
const HOST_CONFIG = {
  fontFamily: FONT,
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#e0e0e0' },
  fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: { backgroundColor: '#ffffff', foregroundColors: foreground },
    emphasis: { backgroundColor: '#f5f5f5', foregroundColors: foreground },
    accent: { backgroundColor: '#e8ebfa', foregroundColors: foreground },
    good: { backgroundColor: '#e7f2da', foregroundColors: foreground },
    attention: { backgroundColor: '#fcf4f6', foregroundColors: foreground },
    warning: { backgroundColor: '#fbf6d9', foregroundColors: foreground },
  },
  actions: {
    maxActions: 6,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 16 },
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
  factSet: {
    title: { weight: 'bolder', wrap: true, maxWidth: 150 },
    value: { wrap: true },
    spacing: 12,
  },
  inputs: { label: { inputSpacing: 'small', requiredInputs: { suffix: ' *' } } },
};

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

function page(): string {
  const dist = path.dirname(require.resolve('adaptivecards/dist/adaptivecards.min.js'));
  const bundle = fs.readFileSync(path.join(dist, 'adaptivecards.min.js'), 'utf8');
  const css = fs.readFileSync(path.join(dist, 'adaptivecards.css'), 'utf8');
  // `</script` cannot appear inside an inline script; the bundle is plain JS, but be safe.
  const script = bundle.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}${STYLE}</style>
<script>${script}</script></head><body><div id="frame" class="frame"></div></body></html>`;
}

/** Renders each card to `<outDir>/<name>.png`; returns the files written. */
export async function renderPreviews(
  cards: Record<string, AdaptiveCardJson>,
  outDir: string,
): Promise<string[]> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
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
    const tab = await context.newPage();
    await tab.setContent(page(), { waitUntil: 'load' });
    const written: string[] = [];
    for (const [name, card] of Object.entries(cards)) {
      const problem = await tab.evaluate(
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
        { card, hostConfig: HOST_CONFIG },
      );
      if (problem) throw new Error(`Card "${name}": ${problem}`);
      const file = path.join(outDir, `${name}.png`);
      await tab.locator('#frame').screenshot({ path: file });
      written.push(file);
    }
    return written;
  } finally {
    await browser.close();
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
