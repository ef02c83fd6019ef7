/**
 * Text contrast as WCAG 2 measures it, on what a browser actually drew: for every visible piece of
 * text under a root element, its computed colour against the background it sits on (the first
 * opaque background up its ancestors, with any translucent ones composited over it). Used on the
 * rendered cards and on the operator dashboard.
 */
import type { Locator, Page } from 'playwright-core';

/** WCAG 2's minimum for text (level AA). */
export const MIN_CONTRAST = 4.5;

export interface TextContrast {
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/** Page script: defines `window.textContrast(root)`, which returns a {@link TextContrast} per visible text node. */
const SCRIPT = `
window.textContrast = function (root) {
  function parse(css) {
    var m = /rgba?\\(([^)]+)\\)/.exec(css || '');
    if (!m) return null;
    var p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function over(top, bottom) {
    var a = top.a;
    return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
  }
  function channel(v) {
    v = v / 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }
  function luminance(c) {
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  }
  function hex(c) {
    return '#' + [c.r, c.g, c.b].map(function (v) { return Math.round(v).toString(16).padStart(2, '0'); }).join('');
  }
  function backgroundOf(el) {
    var layers = [];
    for (var e = el; e; e = e.parentElement) {
      var bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) layers.push(bg);
      if (bg && bg.a >= 1) break;
    }
    var result = { r: 255, g: 255, b: 255, a: 1 };
    for (var i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  }
  var out = [];
  var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  var node;
  while ((node = walker.nextNode())) {
    var text = (node.textContent || '').trim();
    var el = node.parentElement;
    if (!text || !el) continue;
    var style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    var bg = backgroundOf(el);
    var fg = over(parse(style.color) || { r: 0, g: 0, b: 0, a: 1 }, bg);
    var l1 = luminance(fg), l2 = luminance(bg);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    out.push({ text: text.slice(0, 80), color: hex(fg), background: hex(bg), ratio: Math.round(ratio * 100) / 100 });
  }
  return out;
};
`;

/** Every visible text under `selector` (the page's first match), or under `target` itself when it is a locator. */
export async function textContrast(target: Page | Locator, selector = 'body'): Promise<TextContrast[]> {
  const page =
    'page' in target && typeof target.page === 'function' ? (target as Locator).page() : (target as Page);
  const defined = await page.evaluate('typeof window.textContrast === "function"');
  if (!defined) await page.addScriptTag({ content: SCRIPT });
  if (target !== page) {
    // biome-ignore lint/suspicious/noExplicitAny: the page script's global has no types here.
    return (target as Locator).evaluate((el) => (window as any).textContrast(el) as TextContrast[]);
  }
  return page.evaluate(`window.textContrast(document.querySelector(${JSON.stringify(selector)}))`) as Promise<
    TextContrast[]
  >;
}

/** The texts under {@link MIN_CONTRAST}, as lines a failing test can print. */
export function lowContrast(found: readonly TextContrast[]): string[] {
  return found
    .filter((t) => t.ratio < MIN_CONTRAST)
    .map((t) => `${t.ratio}:1 "${t.text}" (${t.color} on ${t.background})`);
}
