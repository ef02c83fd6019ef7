/**
 * The dashboard's client of the documented Durable Functions HTTP API
 * (`/runtime/webhooks/durabletask/...`): all the dashboard needs, so it works against the
 * embedded host and against a function app in Azure alike (base URL + key). The app's own views,
 * when it offers some, are asked for in appViews.ts.
 */

export const RUNTIME_STATUSES = [
  'Pending',
  'Running',
  'Suspended',
  'Completed',
  'Failed',
  'Terminated',
  'ContinuedAsNew',
  'Canceled',
] as const;
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export const OPEN_STATUSES: RuntimeStatus[] = ['Pending', 'Running', 'Suspended'];

export interface FailureDetails {
  ErrorType?: string;
  ErrorMessage?: string;
  StackTrace?: string;
  InnerFailure?: FailureDetails;
}

/** One event of `historyEvents` as the status API shows it (completions merged with their schedule). */
export interface HistoryItem {
  EventType: string;
  Timestamp: string;
  FunctionName?: string;
  Name?: string;
  Input?: unknown;
  Result?: unknown;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  ScheduledTime?: string;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationStatus?: string;
  /** Shown by some backends; the embedded host hides it, as the extension does. */
  ParentInstance?: { OrchestrationInstance?: { InstanceId?: string } };
  [field: string]: unknown;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: HistoryItem[];
}

export interface InstanceFilter {
  runtimeStatus?: string[];
  createdTimeFrom?: string;
  createdTimeTo?: string;
  instanceIdPrefix?: string;
  top?: number;
  showInput?: boolean;
}

export interface Page {
  instances: InstanceStatus[];
  /** Token of the next page, when there is one. */
  next?: string;
}

/** One operation an entity ran (the embedded host's `showOperations`; Azure does not list them). */
export interface EntityOperation {
  operation: string;
  time: string;
  signal: boolean;
  /** The orchestration instance or entity that sent it; null for a client. */
  from: string | null;
  failed: boolean;
  error?: string;
  durationMs: number | null;
}

/** An entity as `GET entities` lists it. */
export interface EntityStatus {
  entityId: { name: string; key: string };
  lastOperationTime: string;
  state?: unknown;
  backlogQueueSize?: number;
  lockedBy?: string | null;
  recentOperations?: EntityOperation[];
}

export interface EntityPage {
  entities: EntityStatus[];
  next?: string;
}

/** What an operation answered, shown to the operator as is. */
export interface ApiAnswer {
  ok: boolean;
  status: number;
  text: string;
}

export interface Settings {
  /** Base URL of the function app; empty = the page's own origin. */
  baseUrl: string;
  /** Master key, or the system key (`durabletask_extension`: the Durable API only), sent as `code`. */
  code: string;
}

const SETTINGS_KEY = 'signoff.dashboard.settings';
const API_PATH = '/runtime/webhooks/durabletask';

export function loadSettings(): Settings {
  try {
    const raw = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<Settings>;
    return { baseUrl: String(raw.baseUrl ?? ''), code: String(raw.code ?? '') };
  } catch {
    return { baseUrl: '', code: '' };
  }
}

export function saveSettings(settings: Settings): void {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

export class ApiFailure extends Error {
  readonly code = 'API_FAILURE';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class DurableApi {
  constructor(readonly settings: Settings) {}

  get base(): string {
    return (this.settings.baseUrl.trim() || location.origin).replace(/\/+$/, '');
  }

  url(path: string, params: Record<string, string | undefined> = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
    if (this.settings.code) q.set('code', this.settings.code);
    const qs = q.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  private async call(
    method: string,
    path: string,
    params: Record<string, string | undefined>,
    init: RequestInit = {},
  ) {
    let res: Response;
    try {
      res = await fetch(this.url(path, params), { method, ...init });
    } catch (error) {
      throw new ApiFailure(
        0,
        `Cannot reach ${this.base} (${(error as Error).message}); check the base URL and CORS`,
      );
    }
    return res;
  }

  /** One page of `GET instances`; the API orders by creation time. */
  async query(filter: InstanceFilter, token?: string): Promise<Page> {
    const res = await this.call(
      'GET',
      `${API_PATH}/instances`,
      {
        runtimeStatus: filter.runtimeStatus?.length ? filter.runtimeStatus.join(',') : undefined,
        createdTimeFrom: filter.createdTimeFrom,
        createdTimeTo: filter.createdTimeTo,
        instanceIdPrefix: filter.instanceIdPrefix,
        top: String(filter.top ?? 100),
        showInput: filter.showInput === false ? 'false' : undefined,
      },
      { headers: token ? { 'x-ms-continuation-token': token } : {} },
    );
    if (!res.ok) throw new ApiFailure(res.status, `Query failed (${res.status}): ${await res.text()}`);
    const next = res.headers.get('x-ms-continuation-token');
    return {
      instances: (await res.json()) as InstanceStatus[],
      next: next && next !== 'null' ? next : undefined,
    };
  }

  /** Every page up to `cap` instances; `capped` says whether more were left. */
  async queryAll(
    filter: InstanceFilter,
    cap: number,
  ): Promise<{ instances: InstanceStatus[]; capped: boolean }> {
    const instances: InstanceStatus[] = [];
    let token: string | undefined;
    do {
      const page = await this.query({ ...filter, top: Math.min(100, cap - instances.length) }, token);
      instances.push(...page.instances);
      token = page.next;
    } while (token && instances.length < cap);
    return { instances, capped: token !== undefined };
  }

  /** One page of `GET entities[/{name}]` with the state (and, where the host has them, recent operations). */
  async entities(filter: { name?: string; top?: number }, token?: string): Promise<EntityPage> {
    const name = filter.name?.trim();
    const res = await this.call(
      'GET',
      `${API_PATH}/entities${name ? `/${encodeURIComponent(name)}` : ''}`,
      { fetchState: 'true', showOperations: 'true', top: String(filter.top ?? 50) },
      { headers: token ? { 'x-ms-continuation-token': token } : {} },
    );
    if (!res.ok) throw new ApiFailure(res.status, `Entity query failed (${res.status}): ${await res.text()}`);
    const next = res.headers.get('x-ms-continuation-token');
    return {
      entities: (await res.json()) as EntityStatus[],
      next: next && next !== 'null' ? next : undefined,
    };
  }

  /** The status, with the full history (inputs and outputs) when `history`; undefined on 404. */
  async status(id: string, history = true): Promise<InstanceStatus | undefined> {
    const params: Record<string, string> = history ? { showHistory: 'true', showHistoryOutput: 'true' } : {};
    const res = await this.call('GET', `${API_PATH}/instances/${encodeURIComponent(id)}`, params);
    if (res.status === 404) return undefined;
    // Failed instances answer 200 (or 500 with returnInternalServerErrorOnFailure, not used here).
    if (res.status >= 400)
      throw new ApiFailure(res.status, `Status failed (${res.status}): ${await res.text()}`);
    return (await res.json()) as InstanceStatus;
  }

  private async operation(
    method: string,
    path: string,
    params: Record<string, string | undefined>,
    body?: string,
  ) {
    const init: RequestInit =
      body === undefined ? {} : { body, headers: { 'Content-Type': 'application/json' } };
    const res = await this.call(method, `${API_PATH}/instances/${path}`, params, init);
    return { ok: res.ok, status: res.status, text: await res.text() } satisfies ApiAnswer;
  }

  raiseEvent(id: string, name: string, json: string): Promise<ApiAnswer> {
    return this.operation(
      'POST',
      `${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(name)}`,
      {},
      json,
    );
  }

  control(id: string, op: 'terminate' | 'suspend' | 'resume' | 'rewind', reason: string): Promise<ApiAnswer> {
    return this.operation('POST', `${encodeURIComponent(id)}/${op}`, { reason });
  }

  restart(id: string, newInstanceId: boolean): Promise<ApiAnswer> {
    return this.operation('POST', `${encodeURIComponent(id)}/restart`, {
      restartWithNewInstanceId: String(newInstanceId),
    });
  }

  purge(id: string): Promise<ApiAnswer> {
    return this.operation('DELETE', encodeURIComponent(id), {});
  }

  /**
   * The host's time when it exposes `GET /admin/clock` (the embedded host does; its virtual clock
   * may be days ahead of the browser's), else undefined and the browser's clock is used.
   */
  async serverClock(): Promise<{ now: number; kind: string } | undefined> {
    try {
      const res = await fetch(this.url('/admin/clock'));
      if (!res.ok) return undefined;
      const body = (await res.json()) as { now?: string; kind?: string };
      const now = body.now ? Date.parse(body.now) : Number.NaN;
      return Number.isNaN(now) ? undefined : { now, kind: String(body.kind ?? 'host') };
    } catch {
      return undefined;
    }
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
