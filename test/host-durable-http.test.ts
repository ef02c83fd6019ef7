/**
 * Durable HTTP (`context.df.callHttp`) against a loopback HTTP server: the built-in HTTP activity
 * with the extension's request and response shapes, the asynchronous 202 pattern polled on
 * durable timers (so the virtual clock drives it), and managed identity token sources refused
 * with an error that names the resource. On the latest durable-functions and on 3.0.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceStatus, startTestHost, type TestHost } from '../host/testing';
import { eventsOf, shape } from './support/workflowHost';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The remote API the orchestrations call: what it answers, and every request it saw. */
class RemoteApi {
  readonly seen: Seen[] = [];
  /** Polls left before each job is done. */
  readonly jobs = new Map<string, number>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      this.answer(req, res, body);
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  requestsTo(prefix: string): Seen[] {
    return this.seen.filter((s) => s.url.startsWith(prefix));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const [, route, id] = url.pathname.split('/');
    switch (route) {
      case 'hello':
        res.setHeader('X-Greeting', 'hi');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ hello: 'world' }));
        return;
      case 'echo':
        res.writeHead(201, { 'Content-Type': 'text/plain' });
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body }));
        return;
      case 'moved':
        res.writeHead(302, { Location: '/hello' });
        res.end();
        return;
      case 'late':
        // answers as 'start' does, a moment later
        setTimeout(() => {
          const started = Object.assign(Object.create(req) as http.IncomingMessage, {
            url: req.url?.replace('/late/', '/start/'),
          });
          this.answer(started, res, body);
        }, 300);
        return;
      case 'start': {
        // a long-running operation: 202 with where to look and when
        const polls = Number(url.searchParams.get('polls') ?? 2);
        this.jobs.set(id as string, polls);
        const retryAfter = url.searchParams.get('retryAfter');
        res.writeHead(202, {
          Location: `/status/${id}`,
          ...(retryAfter === null ? {} : { 'Retry-After': retryAfter }),
        });
        res.end();
        return;
      }
      case 'status': {
        const left = (this.jobs.get(id as string) ?? 0) - 1;
        this.jobs.set(id as string, left);
        if (left > 0) {
          res.writeHead(202, { Location: `${this.url}/status/${id}`, 'Retry-After': '10' });
          res.end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ job: id, done: true }));
        return;
      }
      case 'accepted':
        res.writeHead(202);
        res.end('queued');
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  }
}

interface HttpOutput {
  statusCode?: number;
  content?: string;
  headers?: Record<string, string | string[]>;
  at?: string;
  failed?: string;
}

// The latest SDK, the oldest 3.x, and the latest replaying every episode from the store (the
// numbers reserved for polls survive a cold load).
const VARIANTS = [
  { sdk: 'durable-functions', alwaysReplay: false },
  { sdk: 'durable-functions-v3.0', alwaysReplay: false },
  { sdk: 'durable-functions', alwaysReplay: true },
];

describe.each(VARIANTS)('durable HTTP with $sdk (always replaying: $alwaysReplay)', ({
  sdk,
  alwaysReplay,
}) => {
  let host: TestHost;
  const api = new RemoteApi();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-app-'));
  beforeAll(async () => {
    await api.start();
    host = await startTestHost({
      app: 'test/fixtures/durable-app',
      clock: 'virtual',
      alwaysReplay,
      env: { DURABLE_APP_DIR: dataDir, DURABLE_SDK: sdk },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await api.stop();
  });

  const call = async (input: Record<string, unknown>) => {
    const { id } = await host.client.start('httpCall', input);
    const done = await host.client.waitFor(id, ['Completed']);
    return { id, done, output: done.output as HttpOutput };
  };

  it('calls the URL and hands the orchestrator the response, as the extension shapes it', async () => {
    const { done, output } = await call({ url: `${api.url}/hello` });
    expect(output.statusCode).toBe(200);
    expect(JSON.parse(output.content ?? '')).toEqual({ hello: 'world' });
    // response headers only: the content's (Content-Type, Content-Length) stay with the content
    expect(output.headers).toMatchObject({ 'X-Greeting': 'hi', 'Set-Cookie': ['a=1', 'b=2'] });
    expect(Object.keys(output.headers ?? {}).map((h) => h.toLowerCase())).not.toContain('content-type');

    const [completed] = eventsOf(done, 'TaskCompleted');
    expect(completed).toMatchObject({ FunctionName: 'BuiltIn::HttpActivity' });
    expect(JSON.parse(String(completed?.Input))).toEqual([
      {
        method: 'GET',
        uri: `${api.url}/hello`,
        headers: {},
        content: null,
        tokenSource: null,
        asynchronousPatternEnabled: true,
        retryOptions: null,
        timeout: null,
      },
    ]);
  });

  it('sends the method, body and content type given, text/plain when none is', async () => {
    const json = await call({
      url: `${api.url}/echo`,
      method: 'POST',
      body: { amount: 5 },
      headers: { 'Content-Type': 'application/json' },
    });
    expect(json.output.statusCode).toBe(201);
    expect(JSON.parse(json.output.content ?? '')).toEqual({
      method: 'POST',
      type: 'application/json',
      body: '{"amount":5}',
    });
    const text = await call({ url: `${api.url}/echo`, method: 'PUT', body: 'plain' });
    expect(JSON.parse(text.output.content ?? '')).toEqual({
      method: 'PUT',
      type: 'text/plain',
      body: 'plain',
    });
  });

  it('follows redirects', async () => {
    const { output } = await call({ url: `${api.url}/moved` });
    expect(output.statusCode).toBe(200);
    expect(JSON.parse(output.content ?? '')).toEqual({ hello: 'world' });
  });

  it('polls a 202 on durable timers (Retry-After), until the answer is not a 202', async () => {
    const job = `job-${sdk}-${alwaysReplay}`;
    const { id } = await host.client.start('httpCall', {
      url: `${api.url}/start/${job}?polls=2&retryAfter=5`,
      headers: { 'x-functions-key': 'function-level', 'x-trace': 't-1' },
    });
    const timersOf = (s: InstanceStatus) => eventsOf(s, 'TimerCreated').length;
    const first = await host.client.waitFor(id, ['Running'], (s) => timersOf(s) === 1);
    const started = Date.parse(first.createdTime);
    expect(api.requestsTo(`/status/${job}`)).toHaveLength(0);

    // nothing happens until the virtual clock reaches the Retry-After of the 202 (5 s)
    await host.clock.advance('PT4S');
    expect(api.requestsTo(`/status/${job}`)).toHaveLength(0);
    await host.clock.advance('PT1S');
    await host.client.waitFor(id, ['Running'], (s) => timersOf(s) === 2);
    expect(api.requestsTo(`/status/${job}`)).toHaveLength(1);

    // the status answers 202 once more, asking for 10 s
    await host.clock.advance('PT10S');
    const done = await host.client.waitFor(id, ['Completed']);
    const output = done.output as HttpOutput;
    expect(output.statusCode).toBe(200);
    expect(JSON.parse(output.content ?? '')).toEqual({ job, done: true });
    expect(Date.parse(output.at ?? '') - started).toBeGreaterThanOrEqual(15_000);

    const polls = api.requestsTo(`/status/${job}`);
    expect(polls.map((p) => p.method)).toEqual(['GET', 'GET']);
    // polls carry the call's headers, but not its function key
    for (const poll of polls) {
      expect(poll.headers['x-trace']).toBe('t-1');
      expect(poll.headers['x-functions-key']).toBeUndefined();
    }
    expect(shape(done)).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      ...['TimerCreated', 'TimerFired', 'TaskCompleted'],
      ...['TimerCreated', 'TimerFired', 'TaskCompleted'],
      'ExecutionCompleted',
    ]);
    const timers = eventsOf(done, 'TimerCreated').map(
      (t) => Date.parse(String(t.FireAt)) - Date.parse(String(t.Timestamp)),
    );
    expect(timers).toEqual([5_000, 10_000]);
    const pollInputs = eventsOf(done, 'TaskCompleted')
      .slice(1)
      .map((e) => JSON.parse(String(e.Input))[0]);
    expect(pollInputs.map((r) => [r.method, r.uri, r.headers])).toEqual([
      ['GET', `${api.url}/status/${job}`, { 'x-trace': 't-1' }],
      ['GET', `${api.url}/status/${job}`, { 'x-trace': 't-1' }],
    ]);
  });

  it('waits the default 30 s when a 202 has no Retry-After', async () => {
    const job = `job-default-${sdk}-${alwaysReplay}`;
    const { id } = await host.client.start('httpCall', { url: `${api.url}/start/${job}?polls=1` });
    await host.client.waitFor(id, ['Running'], (s) => eventsOf(s, 'TimerCreated').length === 1);
    await host.clock.advance('PT29S');
    expect(api.requestsTo(`/status/${job}`)).toHaveLength(0);
    await host.clock.advance('PT1S');
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as HttpOutput).statusCode).toBe(200);
  });

  it('returns the 202 itself when polling is off, or when it has no Location', async () => {
    const off = await call({
      url: `${api.url}/start/job-off-${sdk}-${alwaysReplay}?retryAfter=1`,
      enablePolling: false,
    });
    expect(off.output.statusCode).toBe(202);
    expect(off.output.headers).toMatchObject({ Location: `/status/job-off-${sdk}-${alwaysReplay}` });
    expect(eventsOf(off.done, 'TimerCreated')).toHaveLength(0);

    const bare = await call({ url: `${api.url}/accepted` });
    expect(bare.output).toMatchObject({ statusCode: 202, content: 'queued' });
  });

  it("fails a call that cannot connect, with the connection's error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { output, done } = await call({ url: `http://127.0.0.1:${port}/nothing` });
    expect(output.failed).toContain('ECONNREFUSED');
    expect(eventsOf(done, 'TaskFailed')[0]).toMatchObject({ FunctionName: 'BuiltIn::HttpActivity' });
  });

  it('polls a call the orchestrator is not waiting on while it waits on a Task.all', async () => {
    const job = `job-beside-${sdk}-${alwaysReplay}`;
    const flag = `beside-${sdk}-${alwaysReplay}`;
    const { id } = await host.client.start('httpBesideFanOut', {
      url: `${api.url}/late/${job}?polls=1&retryAfter=0`,
      flag,
      slow: 3,
    });
    // the race timer, then (once the late 202 is in) the poll's timer, due at once, and the poll,
    // all while the activities wait (advancing the clock would wait for them: the host is not idle)
    await host.client.waitFor(id, ['Running'], (s) => eventsOf(s, 'TimerCreated').length === 2, 8000);
    await until(() => api.requestsTo(`/status/${job}`).length === 1);
    fs.writeFileSync(path.join(dataDir, flag), 'go');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ statusCode: 200, content: JSON.stringify({ job, done: true }) });
  });

  it('refuses a managed identity token source, naming the resource', async () => {
    const { id } = await host.client.start('httpWithIdentity', {
      url: `${api.url}/hello`,
      resource: 'https://management.core.windows.net',
    });
    const done = await host.client.waitFor(id, ['Completed']);
    const failed = (done.output as { failed: string }).failed;
    expect(failed).toContain('no managed identity is available to the embedded host');
    expect(failed).toContain("resource 'https://management.core.windows.net/.default'");
    expect(api.seen.some((s) => s.headers.authorization)).toBe(false);
  });
});

describe('durable HTTP with telemetry on', () => {
  let host: TestHost;
  const api = new RemoteApi();
  beforeAll(async () => {
    await api.start();
    host = await startTestHost({
      app: 'test/fixtures/durable-app',
      clock: 'virtual',
      env: {
        DURABLE_APP_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'durable-app-')),
        SIGNOFF_OTEL_EXPORTER: 'console',
      },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await api.stop();
  });

  it("runs the call in an activity span and sends that span's traceparent", async () => {
    const { id } = await host.client.start('httpCall', { url: `${api.url}/hello?traced` });
    await host.client.waitFor(id, ['Completed']);
    await host.idle();
    const span = host.logs
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .find(
        (l) =>
          l.span === 'activity BuiltIn::HttpActivity' &&
          (l.attributes as Record<string, unknown> | undefined)?.['durable.instance.id'] === id,
      );
    expect(span).toMatchObject({ attributes: { 'signoff.outcome': 'completed' } });
    const [request] = api.requestsTo('/hello?traced');
    expect(request?.headers.traceparent).toMatch(new RegExp(`^00-${span?.traceId}-${span?.spanId}-0[01]$`));
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
