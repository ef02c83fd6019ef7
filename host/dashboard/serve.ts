/**
 * host/dashboard/: the operator dashboard, a browser app over the Durable HTTP API.
 *
 * This file serves it at `/_dashboard/`: one HTML page, one stylesheet and the browser modules
 * of `app/`. The modules are TypeScript (type-checked with the rest of the project) and are
 * turned into plain ES modules on first request by the esbuild that tsx, the host's own
 * TypeScript loader, ships: no bundler, no build step, one file in → one file out.
 *
 * The dashboard itself talks only to the documented Durable HTTP API (and, when the host has
 * it, `GET /admin/clock`; when the app offers them, the app's own views: README.md), so the same
 * page works against a function app in Azure.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

export const DASHBOARD_PATH = '/_dashboard';

interface Asset {
  type: string;
  body: Buffer;
}

const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};
const cache = new Map<string, Asset>();

export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PATH || pathname.startsWith(`${DASHBOARD_PATH}/`);
}

export function serveDashboard(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' });
    res.end();
    return;
  }
  // Relative links in the page need the trailing slash.
  if (url.pathname === DASHBOARD_PATH) {
    res.writeHead(302, { Location: `${DASHBOARD_PATH}/${url.search}` });
    res.end();
    return;
  }
  const name = url.pathname.slice(DASHBOARD_PATH.length + 1) || 'index.html';
  const asset = load(name);
  if (!asset) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`No dashboard file ${name}`);
    return;
  }
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': String(asset.body.length),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : asset.body);
}

function load(name: string): Asset | undefined {
  const cached = cache.get(name);
  if (cached) return cached;
  let asset: Asset | undefined;
  // Own names only: `__proto__` or `constructor` are not files.
  const type = Object.hasOwn(STATIC, name) ? STATIC[name] : undefined;
  if (type) {
    asset = { type, body: fs.readFileSync(path.join(__dirname, name)) };
  } else {
    // Only app/<module>.js, compiled from app/<module>.ts; tests (x.test.ts) never match.
    const m = /^app\/([A-Za-z]+)\.js$/.exec(name);
    const source = m && path.join(__dirname, 'app', `${m[1]}.ts`);
    if (!source || !fs.existsSync(source)) return undefined;
    const { code } = esbuild().transformSync(fs.readFileSync(source, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcefile: source,
    });
    asset = { type: 'text/javascript; charset=utf-8', body: Buffer.from(code) };
  }
  cache.set(name, asset);
  return asset;
}

type Esbuild = typeof import('esbuild');

/** tsx's own esbuild, resolved from tsx so it is found whatever the package layout. */
function esbuild(): Esbuild {
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  return require(require.resolve('esbuild', { paths: [tsxDir] })) as Esbuild;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a browser gets without a session: how to sign in, and why it was not let in. */
export function signInPage(reason: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Durable Functions dashboard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}
code{background:#f0f0f0;padding:0 .25rem;border-radius:3px}</style></head>
<body><h1>Sign in to the dashboard</h1>
<p>${escapeHtml(reason)}.</p>
<p>Open the dashboard link the host printed when it started
(<code>/_dashboard/?code=&lt;system key&gt;</code>). The key becomes a session cookie for this
browser and leaves the address bar.</p></body></html>
`;
}
