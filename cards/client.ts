/**
 * How a Teams client shows a card, for the previews and the tests that look at rendered cards:
 * the host config it renders with (its colours above all), and how it reads the text of a
 * TextBlock.
 *
 * - **Colours.** The Agents Playground (a dev dependency, the Teams-like client the end-to-end
 *   tests drive) renders cards with a host config of Teams' light theme. It is read from the
 *   Playground's installed web client, so the previews and the contrast test use the colours a
 *   client actually uses (Teams' Good green and Warning yellow among them), not a guess.
 * - **Text.** A client reads a TextBlock's text as Markdown with HTML in it: `<amount>` becomes
 *   an element, and elements outside a short allow-list are unwrapped, so the tag disappears and
 *   only what it enclosed stays. {@link clientMarkdown} does the same in the preview page. A
 *   TextRun's text is always shown as it is.
 */
import fs from 'node:fs';
import path from 'node:path';

/** An Adaptive Cards host config, as JSON. */
export type HostConfigJson = Record<string, unknown>;

const PLAYGROUND_PACKAGE = '@microsoft/m365agentsplayground/package.json';

/**
 * The host config the Agents Playground's web client renders cards with. Throws, naming what is
 * missing, when the Playground is not installed or its client no longer holds one we can find.
 */
export function clientHostConfig(): HostConfigJson {
  const root = path.dirname(require.resolve(PLAYGROUND_PACKAGE));
  const jsDir = path.join(root, 'dist', 'client', 'static', 'js');
  const bundles = fs.existsSync(jsDir) ? fs.readdirSync(jsDir).filter((f) => /^main\..*\.js$/.test(f)) : [];
  for (const bundle of bundles) {
    const found = hostConfigIn(fs.readFileSync(path.join(jsDir, bundle), 'utf8'));
    if (found) return found;
  }
  throw new Error(
    `No card host config found in the Agents Playground's web client (${jsDir}): the previews and the contrast test read Teams' colours from it`,
  );
}

/**
 * The client's bundle holds its host config as a JSON string literal (`JSON.parse('{...}')`): the
 * one with container styles whose foreground colours include `good`.
 */
export function hostConfigIn(bundle: string): HostConfigJson | undefined {
  const literal = /JSON\.parse\('(\{"(?:[^'\\]|\\.)*)'\)/g;
  for (const match of bundle.matchAll(literal)) {
    const text = (match[1] ?? '').replace(/\\(['\\])/g, '$1');
    if (!text.includes('"containerStyles"')) continue;
    try {
      const config = JSON.parse(text) as HostConfigJson;
      const styles = config.containerStyles as Record<string, { foregroundColors?: { good?: unknown } }>;
      if (styles?.default?.foregroundColors?.good) return config;
    } catch {
      // Not this literal.
    }
  }
  return undefined;
}

/**
 * A TextBlock's text as the client turns it into HTML: a little Markdown (paragraphs, line
 * breaks, **bold**, _italic_, [links](...)), HTML in the text parsed as HTML, and every element
 * but a, em, img, li, ol, p, strong, ul and br unwrapped. Page script (plain JavaScript, run in
 * the browser before a card is rendered): it defines `window.clientMarkdown(text)` and makes it
 * the Adaptive Cards renderer's Markdown processor.
 */
export const CLIENT_MARKDOWN_SCRIPT = `
window.clientMarkdown = function (text) {
  var allowed = { A: 1, EM: 1, IMG: 1, LI: 1, OL: 1, P: 1, STRONG: 1, UL: 1, BR: 1 };
  function inline(line) {
    return line
      .replace(/\\*\\*([^*]+)\\*\\*/g, '<strong>$1</strong>')
      .replace(/(^|\\W)_([^_]+)_(?=\\W|$)/g, '$1<em>$2</em>')
      .replace(/\\[([^\\]]+)\\]\\(([^)\\s]+)\\)/g, '<a href="$2">$1</a>');
  }
  var html = text.split(/\\n{2,}/).map(function (paragraph) {
    return '<p>' + paragraph.split('\\n').map(inline).join('<br>') + '</p>';
  }).join('');
  var template = document.createElement('template');
  template.innerHTML = html;
  function unwrap(node) {
    Array.prototype.slice.call(node.childNodes).forEach(function (child) {
      unwrap(child);
      if (child.nodeType === 1 && !allowed[child.tagName]) child.replaceWith.apply(child, child.childNodes);
    });
  }
  unwrap(template.content);
  var out = document.createElement('div');
  out.append(template.content);
  return out.innerHTML;
};
window.AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
  result.outputHtml = window.clientMarkdown(text);
  result.didProcess = true;
};
`;
