/**
 * Test API of the embedded host.
 *
 *   const host = await startTestHost({ app: 'test/fixtures/basic-app', clock: 'virtual' });
 *   const { id } = await host.client.start('chain', { amount: 5 });
 *   await host.clock.advance('P3D');          // fires due timers, returns when work settles
 *   const status = await host.client.waitFor(id, ['Completed']);
 *   await host.stop();
 *
 * Each host is a real `signoff-host` child process on a random loopback port and its own temp
 * data directory, driven only over HTTP. `kill()` sends SIGKILL and `restart()` starts a new
 * process on the same data, for crash tests.
 *
 * Who calls: `host.get/post/delete` are anonymous; `host.system` presents the host's system key
 * (the harness sets one per host), as do `client`, `clock` and `idle()`; `host.as('megan')`
 * carries a bearer token of the host's dev issuer (hosts start with `--dev` unless told not to),
 * signed here with the key in the host's data directory, as `signoff-host token` signs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readHostAuthSettings } from './app';
import { DEFAULT_AUDIENCE, loadDevIssuer, mintDevToken } from './auth/devIssuer';
import { readDevUsers, resolveDevUser } from './auth/devUsers';
import { freePort } from './azurite';

const BIN = path.resolve(__dirname, 'bin', 'signoff-host.cjs');

export interface TestHostOptions {
  app: string;
  clock?: 'real' | 'virtual';
  autoSkip?: boolean;
  alwaysReplay?: boolean;
  dataDir?: string;
  env?: Record<string, string>;
  /** Start with `--dev` (default true): the dev issuer, and the app told it runs in Development. */
  dev?: boolean;
  /**
   * Start with `--azurite`: the host runs its own Azurite (data in the data directory, on a free
   * port kept across restarts), which dies with it. Otherwise the app uses the test run's Azurite.
   */
  azurite?: boolean;
}

export interface TokenOptions {
  /** App roles in the token, instead of the dev user's own. */
  roles?: string[];
  /** Seconds until it expires (default an hour; negative for an expired token). */
  validForSeconds?: number;
  /** Another audience than the host's. */
  audience?: string;
}

/** HTTP calls to one host with the same credentials each time. */
export class HttpClient {
  constructor(
    private readonly base: () => string,
    private readonly credentials: () => Promise<Record<string, string>>,
  ) {}

  async get<T = unknown>(pathAndQuery: string, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    return request<T>(this.base(), 'GET', pathAndQuery, undefined, {
      ...(await this.credentials()),
      ...headers,
    });
  }

  async post<T = unknown>(
    pathAndQuery: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    return request<T>(this.base(), 'POST', pathAndQuery, body, { ...(await this.credentials()), ...headers });
  }

  async put<T = unknown>(
    pathAndQuery: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    return request<T>(this.base(), 'PUT', pathAndQuery, body, { ...(await this.credentials()), ...headers });
  }

  async delete<T = unknown>(
    pathAndQuery: string,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    return request<T>(this.base(), 'DELETE', pathAndQuery, undefined, {
      ...(await this.credentials()),
      ...headers,
    });
  }
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class TestHost {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  private azuritePort: number | undefined;
  private readonly tokens = new Map<string, Promise<string>>();
  url = '';
  /** The system key this host runs with. */
  readonly systemKey: string;
  /** Calls with the system key. */
  readonly system: HttpClient;
  readonly client: DurableTestClient;
  readonly clock: TestClock;

  constructor(readonly options: TestHostOptions & { dataDir: string }) {
    this.systemKey = options.env?.SIGNOFF_SYSTEM_KEY ?? randomBytes(24).toString('base64url');
    const keyed = async () => ({ 'x-functions-key': this.systemKey });
    this.system = new HttpClient(() => this.url, keyed);
    this.client = new DurableTestClient(this.system);
    this.clock = new TestClock(this.system);
  }

  /** A bearer token of this host's dev issuer for a dev user (alias or object id). */
  token(user: string, options: TokenOptions = {}): Promise<string> {
    const cacheKey = JSON.stringify([user, options]);
    let token = this.tokens.get(cacheKey);
    if (!token) {
      token = mintTestToken(this.options, user, options);
      if (options.validForSeconds === undefined) this.tokens.set(cacheKey, token);
    }
    return token;
  }

  /** Calls as a signed-in dev user. */
  as(user: string, options: TokenOptions = {}): HttpClient {
    return new HttpClient(
      () => this.url,
      async () => ({ authorization: `Bearer ${await this.token(user, options)}` }),
    );
  }

  /** The host process's PID (the latest one, after a restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the host printed (JSON log lines and the start banner). */
  get logs(): string[] {
    return this.output.join('').split('\n').filter(Boolean);
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const o = this.options;
    const args = [BIN, 'start', '--app', path.resolve(o.app), '--port', '0', '--data', o.dataDir];
    if (o.dev !== false) args.push('--dev');
    if (o.clock === 'virtual') args.push('--clock', 'virtual');
    if (o.autoSkip) args.push('--auto-skip');
    if (o.alwaysReplay) args.push('--always-replay');
    const azurite: Record<string, string> = {};
    if (o.azurite) {
      args.push('--azurite');
      this.azuritePort ??= await freePort();
      azurite.AZURITE_TABLE_PORT = String(this.azuritePort);
    }
    this.output = [];
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        SIGNOFF_LOG_LEVEL: 'info',
        SIGNOFF_SYSTEM_KEY: this.systemKey,
        ...o.env,
        ...azurite,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output.push(chunk.toString());
        const m = /listening on (http:\/\/\S+)/.exec(this.output.join(''));
        if (m) resolve(m[1] as string);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => this.output.push(c.toString()));
      child.once('exit', (code) =>
        reject(new Error(`host exited with ${code} before listening:\n${this.output.join('')}`)),
      );
    });
  }

  /** SIGTERM, and waits for a clean exit. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL: the process dies at once, whatever it was doing. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /**
   * Starts the host again on the same data. `downtime` (ISO 8601, virtual clock only) is how
   * long it was down: timers that came due meanwhile fire at start.
   */
  async restart(options: { downtime?: string } = {}): Promise<void> {
    await this.start(options.downtime ? { SIGNOFF_VIRTUAL_DOWNTIME: options.downtime } : {});
  }

  private signal(sig: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill(sig);
    });
  }

  /** Resolves when the host has no pending work and no due timer. */
  async idle(): Promise<void> {
    const res = await this.system.get('/admin/host/idle');
    if (res.status !== 200) throw new Error(`idle answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** Anonymous calls: no key, no token. */
  async get<T = unknown>(pathAndQuery: string, headers?: Record<string, string>): Promise<HttpResult<T>> {
    return request<T>(this.url, 'GET', pathAndQuery, undefined, headers);
  }

  async post<T = unknown>(
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>> {
    return request<T>(this.url, 'POST', pathAndQuery, body, headers);
  }

  async delete<T = unknown>(pathAndQuery: string, headers?: Record<string, string>): Promise<HttpResult<T>> {
    return request<T>(this.url, 'DELETE', pathAndQuery, undefined, headers);
  }
}

async function mintTestToken(
  o: TestHostOptions & { dataDir: string },
  user: string,
  options: TokenOptions,
): Promise<string> {
  const users = readDevUsers(readHostAuthSettings(path.resolve(o.app)).devUsers);
  const who = resolveDevUser(users, user);
  return mintDevToken(loadDevIssuer(o.dataDir), {
    oid: who.id,
    name: who.name,
    username: who.email,
    roles: options.roles ?? who.roles,
    tenantId: users.tenantId,
    audience: options.audience ?? o.env?.SIGNOFF_AUTH_AUDIENCE?.split(',')[0] ?? DEFAULT_AUDIENCE,
    validForSeconds: options.validForSeconds ?? 3600,
  });
}

export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-host-'));
  const host = new TestHost({ ...options, dataDir });
  await host.start();
  return host;
}

export async function request<T = unknown>(
  base: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${pathAndQuery}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

const API = '/runtime/webhooks/durabletask';

/** A small client of the Durable HTTP API, for tests (with the system key). */
export class DurableTestClient {
  constructor(private readonly http: HttpClient) {}

  async start(
    name: string,
    input?: unknown,
    instanceId?: string,
  ): Promise<{ id: string; response: HttpResult }> {
    const res = await this.http.post<{ id: string }>(
      `${API}/orchestrators/${encodeURIComponent(name)}${instanceId ? `/${encodeURIComponent(instanceId)}` : ''}`,
      // JSON text, as the durable-functions client sends it (a bare string would not be JSON).
      input === undefined ? undefined : JSON.stringify(input),
    );
    if (res.status !== 202)
      throw new Error(`start ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { id: res.body.id, response: res };
  }

  async status(
    id: string,
    query = 'showHistory=true&showHistoryOutput=true',
  ): Promise<HttpResult<InstanceStatus>> {
    return this.http.get<InstanceStatus>(`${API}/instances/${encodeURIComponent(id)}?${query}`);
  }

  /** Polls the status API until the instance reaches one of `statuses` (or `until` holds). */
  async waitFor(
    id: string,
    statuses: string[],
    until?: (s: InstanceStatus) => boolean,
    timeoutMs = 20_000,
  ): Promise<InstanceStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: InstanceStatus | undefined;
    while (Date.now() < deadline) {
      const res = await this.status(id);
      if (res.status !== 404) {
        last = res.body;
        if (statuses.includes(last.runtimeStatus) && (!until || until(last))) return last;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `instance ${id} did not reach ${statuses.join('/')}; last status: ${JSON.stringify(last)}`,
    );
  }

  raiseEvent(id: string, event: string, data?: unknown): Promise<HttpResult> {
    return this.http.post(
      `${API}/instances/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(event)}`,
      JSON.stringify(data ?? null),
    );
  }

  operation(
    id: string,
    op: 'terminate' | 'suspend' | 'resume' | 'rewind' | 'restart',
    query = 'reason=test',
  ): Promise<HttpResult> {
    return this.http.post(`${API}/instances/${encodeURIComponent(id)}/${op}?${query}`);
  }

  purge(id: string): Promise<HttpResult> {
    return this.http.delete(`${API}/instances/${encodeURIComponent(id)}`);
  }

  query(query: string, continuation?: string): Promise<HttpResult<InstanceStatus[]>> {
    return this.http.get<InstanceStatus[]>(
      `${API}/instances/?${query}`,
      continuation ? { 'x-ms-continuation-token': continuation } : {},
    );
  }
}

/** The host's virtual clock, over its admin endpoints. */
export class TestClock {
  constructor(private readonly http: HttpClient) {}

  /** Moves time forward by an ISO 8601 duration; resolves when the work it caused has settled. */
  async advance(by: string): Promise<Date> {
    const res = await this.http.post<{ now: string; error?: string }>('/admin/clock/advance', { by });
    if (res.status !== 200) throw new Error(`advance failed: ${JSON.stringify(res.body)}`);
    return new Date(res.body.now);
  }

  async now(): Promise<Date> {
    const res = await this.http.get<{ now: string }>('/admin/clock');
    return new Date(res.body.now);
  }

  async setAutoSkip(enabled: boolean): Promise<void> {
    const res = await this.http.post('/admin/clock/autoskip', { enabled });
    if (res.status !== 200) throw new Error(`autoskip failed: ${JSON.stringify(res.body)}`);
  }
}
