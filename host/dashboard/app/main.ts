/**
 * The operator dashboard: entry module. Routes between the views (the view in the hash, its
 * filters in the query string so a link reproduces what you see), owns the settings (base URL
 * and key, kept in localStorage), the clock (the host's when it tells, else the browser's), the
 * list of the app's own views and auto-refresh.
 *
 *   #/instances            instance list          (listView)
 *   #/instances/<id>       one instance           (instanceView); also ?instance=<id>
 *   #/entities             durable entities       (entitiesView)
 *   #/bottlenecks          activity durations     (bottlenecksView)
 *   #/<view id>            a view the app offers  (appViewPage; README.md, "App views")
 */
import { DurableApi, loadSettings, saveSettings } from './api.js';
import { appViewPage } from './appViewPage.js';
import { type AppViews, loadAppViews } from './appViews.js';
import { bottlenecksView } from './bottlenecksView.js';
import type { AppContext, View } from './context.js';
import { clear, confirmDialog, field, h } from './dom.js';
import { entitiesView } from './entitiesView.js';
import { duration, time } from './format.js';
import { instanceView } from './instanceView.js';
import { listView } from './listView.js';

let api = new DurableApi(loadSettings());
let appViews: Promise<AppViews> | undefined;
let clockOffset = 0;
let clockKind = 'browser';
let view: View | undefined;
let timer: number | undefined;

const main = document.getElementById('view') as HTMLElement;
const clockEl = document.getElementById('clock') as HTMLElement;
const statusEl = document.getElementById('status-line') as HTMLElement;
const refreshToggle = document.getElementById('auto-refresh') as HTMLInputElement;
const refreshEvery = document.getElementById('refresh-every') as HTMLSelectElement;

const ctx: AppContext = {
  get api() {
    return api;
  },
  now: () => Date.now() + clockOffset,
  params: () => new URLSearchParams(location.search),
  setParams(values) {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined || v === '') p.delete(k);
      else p.set(k, v);
    }
    const qs = p.toString();
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`);
  },
  instanceHref: (id) => {
    const p = new URLSearchParams(location.search);
    p.delete('instance');
    const qs = p.toString();
    return `${qs ? `?${qs}` : location.pathname}#/instances/${encodeURIComponent(id)}`;
  },
  go(hash) {
    location.hash = hash;
  },
  notify(text, tone = 'ok') {
    statusEl.textContent = text;
    statusEl.className = `status-line ${tone}`;
  },
  appViews() {
    appViews ??= loadAppViews(api);
    return appViews;
  },
};

/** A link in the top bar per view of the app, before the dashboard's own Bottlenecks. */
async function showAppViews(): Promise<void> {
  const nav = document.querySelector('nav') as HTMLElement;
  const { views } = await ctx.appViews();
  for (const a of Array.from(nav.querySelectorAll('a[data-app-view]'))) a.remove();
  const before = nav.querySelector('a[href="#/bottlenecks"]');
  for (const v of views)
    nav.insertBefore(h('a', { href: `#/${v.id}`, 'data-app-view': v.id }, v.title), before);
  markNav();
}

function markNav(): void {
  const hash = location.hash.replace(/^#\/?/, '');
  document.querySelectorAll('nav a').forEach((a) => {
    const target = (a.getAttribute('href') ?? '').replace(/^#\/?/, '');
    a.classList.toggle('active', hash.split('/')[0] === target || (hash === '' && target === 'instances'));
  });
}

async function syncClock(): Promise<void> {
  const server = await api.serverClock();
  clockOffset = server ? server.now - Date.now() : 0;
  clockKind = server ? `${server.kind} clock of the host` : 'browser clock';
  const skew =
    Math.abs(clockOffset) > 5000
      ? ` (${clockOffset > 0 ? '+' : '-'}${duration(Math.abs(clockOffset))} vs this browser)`
      : '';
  clockEl.textContent = `${time(ctx.now())} · ${clockKind}${skew}`;
  clockEl.title = server
    ? 'Ages, deadlines and "overdue" are computed against the host clock (GET /admin/clock).'
    : 'The host does not expose /admin/clock: ages and deadlines use this browser clock.';
}

function route(): void {
  const hash = location.hash.replace(/^#\/?/, '');
  const fromQuery = new URLSearchParams(location.search).get('instance');
  markNav();
  main.replaceChildren();
  statusEl.textContent = '';
  if (hash.startsWith('instances/'))
    view = instanceView(ctx, main, decodeURIComponent(hash.slice('instances/'.length)));
  else if (fromQuery && (hash === '' || hash === 'instances')) view = instanceView(ctx, main, fromQuery);
  else if (hash === 'bottlenecks') view = bottlenecksView(ctx, main);
  else if (hash === 'entities') view = entitiesView(ctx, main);
  else if (hash !== '' && hash !== 'instances') view = appViewPage(ctx, main, decodeURIComponent(hash));
  else view = listView(ctx, main);
  void refresh();
}

async function refresh(): Promise<void> {
  try {
    await syncClock();
    await view?.refresh();
  } catch (error) {
    ctx.notify((error as Error).message, 'bad');
  }
}

function scheduleRefresh(): void {
  if (timer !== undefined) window.clearInterval(timer);
  timer = undefined;
  const seconds = Number(refreshEvery.value);
  ctx.setParams({ refresh: refreshToggle.checked ? String(seconds) : undefined });
  if (!refreshToggle.checked) return;
  timer = window.setInterval(() => {
    if (view?.autoRefresh !== false && !document.querySelector('dialog[open]')) void refresh();
  }, seconds * 1000);
}

async function openSettings(): Promise<void> {
  const base = h('input', {
    type: 'url',
    value: api.settings.baseUrl,
    placeholder: location.origin,
    id: 'settings-base',
  });
  const code = h('input', {
    type: 'password',
    value: api.settings.code,
    placeholder: 'optional',
    id: 'settings-code',
  });
  const ok = await confirmDialog({
    title: 'Connection',
    message:
      'The dashboard uses only the Durable Functions HTTP API, and the views the app offers at /api/dashboard/views if it does. Leave the base URL empty for this host; for an Azure function app, give its URL and its master key (the durabletask_extension system key opens the Durable API only, not the views of the app; the app must allow this origin in CORS and expose x-ms-continuation-token).',
    confirmLabel: 'Save',
    fields: [
      field('Base URL', base, 'e.g. https://myapp.azurewebsites.net'),
      field('Key (code)', code, 'sent as ?code= on every request; kept in this browser'),
    ],
  });
  if (!ok) return;
  saveSettings({ baseUrl: base.value.trim(), code: code.value.trim() });
  api = new DurableApi(loadSettings());
  appViews = undefined;
  void showAppViews();
  route();
}

function start(): void {
  const p = new URLSearchParams(location.search);
  const every = p.get('refresh');
  if (every) {
    refreshToggle.checked = true;
    if (Array.from(refreshEvery.options).some((o) => o.value === every)) refreshEvery.value = every;
  }
  refreshToggle.addEventListener('change', scheduleRefresh);
  refreshEvery.addEventListener('change', scheduleRefresh);
  (document.getElementById('refresh-now') as HTMLButtonElement).addEventListener(
    'click',
    () => void refresh(),
  );
  (document.getElementById('open-settings') as HTMLButtonElement).addEventListener(
    'click',
    () => void openSettings(),
  );
  window.addEventListener('hashchange', route);
  scheduleRefresh();
  void showAppViews();
  route();
}

clear(statusEl);
start();
