/**
 * The app's own views (the contract is in host/dashboard/README.md, "App views"). The dashboard
 * asks the app which views it offers (`GET /api/dashboard/views`, next to the Durable API) and
 * renders the tables they describe without knowing what they are about; on an instance page it
 * also shows what the app says the instance waits for. An app that offers none (404, an error,
 * an answer that does not fit) simply has none: no error is shown.
 *
 * Everything read here is checked and narrowed to the contract's shapes; what does not fit is
 * dropped. URLs are resolved against the views list's URL and must stay on the base URL's
 * origin, since the key goes with them.
 */
import { ApiFailure, type DurableApi } from './api.js';

export const APP_VIEWS_PATH = '/api/dashboard/views';

export type Scalar = string | number | null;
export interface CellObject {
  value: Scalar | Cell[];
  tag?: string;
  tone?: string;
  title?: string;
  approx?: boolean;
}
export type Cell = Scalar | Cell[] | CellObject;

export const KINDS = ['text', 'time', 'since', 'due', 'duration', 'count', 'status', 'list', 'instances'];

export interface Column {
  key: string;
  title: string;
  kind: string;
}
export interface Row {
  instanceId?: string;
  cells: Record<string, Cell>;
}
export interface Section {
  id: string;
  title: string;
  note?: string;
  columns: Column[];
  rows: Row[];
  empty: string;
}
export interface Parameter {
  name: string;
  title: string;
  value: string;
  options: Array<{ value: string; title: string }>;
}
export interface ViewDescription {
  title: string;
  note?: string;
  parameters: Parameter[];
  sections: Section[];
}
export interface AppView {
  id: string;
  title: string;
  url: string;
}
export interface AppViews {
  views: AppView[];
  /** Where to ask about one instance, with `{instanceId}` in it. */
  instance?: string;
}
export interface AppWait {
  text: string;
  since?: number;
  until?: number;
}

const NONE: AppViews = { views: [] };
/** Ids that are a hash route of their own; the dashboard's own pages keep theirs. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const RESERVED = new Set(['instances', 'bottlenecks']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const when = (v: unknown): number | undefined => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
};

/** `url` resolved against the views list, with the key and `params`; undefined if off the origin. */
function resolve(api: DurableApi, url: string, params: Record<string, string>): string | undefined {
  let target: URL;
  try {
    target = new URL(url, `${api.base}${APP_VIEWS_PATH}`);
  } catch {
    return undefined;
  }
  if (target.origin !== new URL(api.base).origin) return undefined;
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  if (api.settings.code) target.searchParams.set('code', api.settings.code);
  return target.href;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(20_000),
    headers: { Accept: 'application/json' },
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.ok ? 502 : res.status, body: text.slice(0, 300) };
  }
}

/** The views the app offers; none when it offers none or cannot say. Never throws. */
export async function loadAppViews(api: DurableApi): Promise<AppViews> {
  try {
    const url = resolve(api, APP_VIEWS_PATH, {});
    if (!url) return NONE;
    const { status, body } = await getJson(url);
    if (status !== 200 || !isObj(body)) return NONE;
    const seen = new Set<string>();
    const views = list(body.views).flatMap((v): AppView[] => {
      const id = isObj(v) ? str(v.id) : undefined;
      const target = isObj(v) ? str(v.url) : undefined;
      if (!isObj(v) || !id || !target || !ID.test(id) || RESERVED.has(id) || seen.has(id)) return [];
      seen.add(id);
      return [{ id, title: str(v.title) || id, url: target }];
    });
    const instance = str(body.instance);
    return instance?.includes('{instanceId}') ? { views, instance } : { views };
  } catch {
    return NONE;
  }
}

const plain = (v: unknown): Scalar | Cell[] => {
  if (typeof v === 'string' || typeof v === 'number') return v;
  return Array.isArray(v) ? v.map(cell) : null;
};

function cell(v: unknown): Cell {
  if (!isObj(v)) return plain(v);
  return {
    value: plain(v.value),
    tag: str(v.tag),
    tone: str(v.tone),
    title: str(v.title),
    approx: v.approx === true,
  };
}

function section(v: unknown): Section[] {
  if (!isObj(v)) return [];
  const columns = list(v.columns).flatMap((c): Column[] => {
    const key = isObj(c) ? str(c.key) : undefined;
    if (!isObj(c) || !key) return [];
    const kind = str(c.kind) ?? 'text';
    return [{ key, title: str(c.title) ?? key, kind: KINDS.includes(kind) ? kind : 'text' }];
  });
  const rows = list(v.rows).flatMap((r): Row[] => {
    if (!isObj(r)) return [];
    const cells = isObj(r.cells) ? r.cells : {};
    return [
      {
        instanceId: str(r.instanceId) || undefined,
        cells: Object.fromEntries(columns.map((c) => [c.key, cell(cells[c.key])])),
      },
    ];
  });
  const id = str(v.id) ?? '';
  return [
    {
      id: ID.test(id) ? id : '',
      title: str(v.title) ?? '',
      note: str(v.note),
      columns,
      rows,
      empty: str(v.empty) ?? 'Nothing to show.',
    },
  ];
}

/** One view, described by the app; throws {@link ApiFailure} when the app does not answer one. */
export async function fetchView(
  api: DurableApi,
  view: AppView,
  params: Record<string, string>,
  now: number,
): Promise<ViewDescription> {
  const url = resolve(api, view.url, { ...params, now: new Date(now).toISOString() });
  if (!url) throw new ApiFailure(0, `The view "${view.id}" is not on ${api.base}: ${view.url}`);
  let answer: { status: number; body: unknown };
  try {
    answer = await getJson(url);
  } catch (error) {
    throw new ApiFailure(0, `Cannot load the view "${view.id}" (${(error as Error).message})`);
  }
  const { status, body } = answer;
  if (status !== 200 || !isObj(body)) {
    throw new ApiFailure(status, `The view "${view.id}" failed (${status}): ${JSON.stringify(body)}`);
  }
  return {
    title: str(body.title) || view.title,
    note: str(body.note),
    parameters: list(body.parameters).flatMap((p): Parameter[] => {
      const name = isObj(p) ? str(p.name) : undefined;
      if (!isObj(p) || !name) return [];
      const options = list(p.options).flatMap((o) =>
        isObj(o) && typeof o.value === 'string' ? [{ value: o.value, title: str(o.title) ?? o.value }] : [],
      );
      return [{ name, title: str(p.title) ?? name, value: str(p.value) ?? '', options }];
    }),
    sections: list(body.sections).flatMap(section),
  };
}

/** What the app says instance `id` waits for; nothing when it does not say. Never throws. */
export async function instanceWaits(
  api: DurableApi,
  views: AppViews,
  id: string,
  now: number,
): Promise<AppWait[]> {
  if (!views.instance) return [];
  try {
    const url = resolve(api, views.instance.replace('{instanceId}', encodeURIComponent(id)), {
      now: new Date(now).toISOString(),
    });
    if (!url) return [];
    const { status, body } = await getJson(url);
    if (status !== 200 || !isObj(body)) return [];
    return list(body.waiting).flatMap((w): AppWait[] => {
      const text = isObj(w) ? str(w.text) : undefined;
      return isObj(w) && text ? [{ text, since: when(w.since), until: when(w.until) }] : [];
    });
  } catch {
    return [];
  }
}
