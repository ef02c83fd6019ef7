/**
 * Test API of the embedded host.
 *
 *   const host = await startTestHost({ app: 'test/fixtures/basic-app', clock: 'virtual' });
 *   const { id } = await host.client.start('approval', { amount: 5 });
 *   await host.clock.advance('P3D');          // fires due timers, returns when work settles
 *   const status = await host.client.waitFor(id, ['Completed']);
 *   await host.stop();
 *
 * Each host is a real `signoff-host` child process on a random loopback port and its own temp
 * data directory, driven only over HTTP. `kill()` sends SIGKILL and `restart()` starts a new
 * process on the same data, for crash tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(__dirname, 'bin', 'signoff-host.cjs');

export interface TestHostOptions {
  app: string;
  clock?: 'real' | 'virtual';
  autoSkip?: boolean;
  alwaysReplay?: boolean;
  dataDir?: string;
  env?: Record<string, string>;
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
  url = '';
  readonly client: DurableTestClient;
  readonly clock: TestClock;

  constructor(readonly options: TestHostOptions & { dataDir: string }) {
    this.client = new DurableTestClient(() => this.url);
    this.clock = new TestClock(() => this.url);
  }

  /** Everything the host printed (JSON log lines and the start banner). */
  get logs(): string[] {
    return this.output.join('').split('\n').filter(Boolean);
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const o = this.options;
    const args = [BIN, 'start', '--app', path.resolve(o.app), '--port', '0', '--data', o.dataDir];
    if (o.clock === 'virtual') args.push('--clock', 'virtual');
    if (o.autoSkip) args.push('--auto-skip');
    if (o.alwaysReplay) args.push('--always-replay');
    this.output = [];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, SIGNOFF_LOG_LEVEL: 'info', ...o.env, ...extraEnv },
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
    await request(this.url, 'GET', '/admin/host/idle');
  }

  async get<T = unknown>(pathAndQuery: string): Promise<HttpResult<T>> {
    return request<T>(this.url, 'GET', pathAndQuery);
  }

  async post<T = unknown>(
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>> {
    return request<T>(this.url, 'POST', pathAndQuery, body, headers);
  }

  async delete<T = unknown>(pathAndQuery: string): Promise<HttpResult<T>> {
    return request<T>(this.url, 'DELETE', pathAndQuery);
  }
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

/** A small client of the Durable HTTP API, for tests. */
export class DurableTestClient {
  constructor(private readonly base: () => string) {}

  async start(
    name: string,
    input?: unknown,
    instanceId?: string,
  ): Promise<{ id: string; response: HttpResult }> {
    const res = await request<{ id: string }>(
      this.base(),
      'POST',
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
    return request<InstanceStatus>(this.base(), 'GET', `${API}/instances/${encodeURIComponent(id)}?${query}`);
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
    return request(
      this.base(),
      'POST',
      `${API}/instances/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(event)}`,
      JSON.stringify(data ?? null),
    );
  }

  operation(
    id: string,
    op: 'terminate' | 'suspend' | 'resume' | 'rewind' | 'restart',
    query = 'reason=test',
  ): Promise<HttpResult> {
    return request(this.base(), 'POST', `${API}/instances/${encodeURIComponent(id)}/${op}?${query}`);
  }

  purge(id: string): Promise<HttpResult> {
    return request(this.base(), 'DELETE', `${API}/instances/${encodeURIComponent(id)}`);
  }

  query(query: string, continuation?: string): Promise<HttpResult<InstanceStatus[]>> {
    return request<InstanceStatus[]>(
      this.base(),
      'GET',
      `${API}/instances/?${query}`,
      undefined,
      continuation ? { 'x-ms-continuation-token': continuation } : {},
    );
  }
}

/** The host's virtual clock, over its admin endpoints. */
export class TestClock {
  constructor(private readonly base: () => string) {}

  /** Moves time forward by an ISO 8601 duration; resolves when the work it caused has settled. */
  async advance(by: string): Promise<Date> {
    const res = await request<{ now: string; error?: string }>(this.base(), 'POST', '/admin/clock/advance', {
      by,
    });
    if (res.status !== 200) throw new Error(`advance failed: ${JSON.stringify(res.body)}`);
    return new Date(res.body.now);
  }

  async now(): Promise<Date> {
    const res = await request<{ now: string }>(this.base(), 'GET', '/admin/clock');
    return new Date(res.body.now);
  }

  async setAutoSkip(enabled: boolean): Promise<void> {
    const res = await request(this.base(), 'POST', '/admin/clock/autoskip', { enabled });
    if (res.status !== 200) throw new Error(`autoskip failed: ${JSON.stringify(res.body)}`);
  }
}
