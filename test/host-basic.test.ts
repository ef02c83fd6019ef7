/**
 * The embedded host running a plain Azure Functions v4 app (test/fixtures/basic-app), written
 * with no knowledge of Signoff: HTTP triggers, durable orchestrations and the Durable HTTP API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestHost, type TestHost } from '../host/testing';

const API = '/runtime/webhooks/durabletask';
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ app: 'test/fixtures/basic-app' });
});

afterAll(async () => {
  const code = await host?.stop();
  if (code !== 0) console.error(host?.logs.slice(-30).join('\n'));
});

describe('HTTP triggers', () => {
  it('routes templates with parameters, query and headers', async () => {
    const res = await fetch(`${host.url}/api/hello/Ada?q=42`, { headers: { 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'Ada', q: '42', header: 'yes' });
  });

  it('passes request bodies and returns status, headers and body', async () => {
    const res = await fetch(`${host.url}/api/echo`, {
      method: 'POST',
      body: 'ping',
      headers: { 'x-functions-key': host.systemKey },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(await res.text()).toBe('ping');
  });

  it('uses an explicit $return http output', async () => {
    const res = await host.get('/api/extraOutput');
    expect(res).toMatchObject({ status: 200, body: { via: 'return' } });
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    expect((await host.get('/api/nothing-here')).status).toBe(404);
    expect((await host.get('/api/echo')).status).toBe(405);
  });

  it('answers 500 with the invocation id when a handler throws, and keeps serving', async () => {
    const res = await host.get<{ invocationId: string; error: string }>('/api/boom');
    expect(res.status).toBe(500);
    expect(res.body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    await expect
      .poll(() => host.logs.some((l) => l.includes(res.body.invocationId) && l.includes('handler exploded')))
      .toBe(true);
    expect((await host.get('/api/hello/again')).status).toBe(200);
  });

  it('reports its state as the Functions host does', async () => {
    expect(await host.system.get('/admin/host/status')).toMatchObject({
      status: 200,
      body: { state: 'Running' },
    });
  });

  it('writes one structured log line per invocation', async () => {
    await host.get('/api/hello/logline');
    const find = () =>
      host.logs
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'invocation' && l.function === 'hello');
    await expect.poll(find).toBeDefined();
    const line = find();
    expect(line).toMatchObject({ function: 'hello', outcome: 'succeeded' });
    expect(typeof line?.durationMs).toBe('number');
  });
});

describe('orchestrations', () => {
  it('runs a chain of activities started through the durable-functions client', async () => {
    const res = await host.post<{ id: string; statusQueryGetUri: string }>('/api/orchestrators/chain');
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(res.body.statusQueryGetUri);
    const done = await host.client.waitFor(res.body.id, ['Completed']);
    expect(done.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
    const scheduled = done.historyEvents
      ?.filter((e) => e.EventType === 'TaskCompleted')
      .map((e) => e.FunctionName);
    expect(scheduled).toEqual(['sayHello', 'sayHello', 'sayHello']);
  });

  it('fans out over 100 activities and fans in', async () => {
    const { id } = await host.client.start('fanout', 100);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toBe(2 * ((99 * 100) / 2));
    const completions = done.historyEvents?.filter((e) => e.EventType === 'TaskCompleted') ?? [];
    expect(completions).toHaveLength(100);
  });

  it('surfaces an activity error in the orchestrator, where try/catch handles it', async () => {
    const { id } = await host.client.start('catches');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ caught: expect.stringContaining('card declined') });
    expect(done.historyEvents?.find((e) => e.EventType === 'TaskFailed')).toMatchObject({
      FunctionName: 'fail',
    });
  });

  it('marks an instance Failed with the message and stack when the orchestrator throws', async () => {
    const { id } = await host.client.start('throws');
    const failed = await host.client.waitFor(id, ['Failed']);
    expect(failed.output).toEqual(
      expect.stringContaining("Orchestrator function 'throws' failed: orchestrator exploded"),
    );
    const status = await host.client.status(id, 'returnInternalServerErrorOnFailure=true');
    expect(status.status).toBe(500);
    expect((await host.client.status(id, '')).status).toBe(200);
  });

  it('publishes custom status while running, and waits for an event', async () => {
    const { id } = await host.client.start('status');
    const waiting = await host.client.waitFor(
      id,
      ['Running'],
      (s) => (s.customStatus as { stage?: string })?.stage === 'two',
    );
    expect(waiting.customStatus).toEqual({ stage: 'two' });
    const running = await host.client.status(id);
    expect(running.status).toBe(202);
    expect(running.headers.get('retry-after')).toBe('5');
    expect((await host.client.raiseEvent(id, 'go', { ok: 1 })).status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ ok: 1 });
  });
});

describe('the durable-functions client inside a function', () => {
  it('getStatus, raiseEvent, getStatusBy, terminate and purgeInstanceHistory', async () => {
    const { id } = await host.client.start('status');
    await host.client.waitFor(
      id,
      ['Running'],
      (s) => (s.customStatus as { stage?: string })?.stage === 'two',
    );

    const status = await host.get<Record<string, unknown>>(`/api/client/status/${id}`);
    expect(status.body).toMatchObject({ instanceId: id, name: 'status', runtimeStatus: 'Running' });
    // The SDK reads `history` while the documented API (and this host) answer `historyEvents`,
    // so the client's status carries no history, exactly as it does against Azure.
    expect(status.body.history).toBeUndefined();

    const byStatus = await host.get<Array<{ instanceId: string }>>('/api/client/query?status=Running');
    expect(byStatus.body.map((s) => s.instanceId)).toContain(id);

    expect((await host.post(`/api/client/raise/${id}?event=go`, { via: 'client' })).status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ via: 'client' });

    const second = await host.client.start('status');
    await host.client.waitFor(second.id, ['Running']);
    expect((await host.post(`/api/client/terminate/${second.id}`)).status).toBe(202);
    const terminated = await host.client.waitFor(second.id, ['Terminated']);
    expect(terminated.output).toBe('because');

    const purged = await host.delete<{ instancesDeleted: number }>(`/api/client/purge/${id}`);
    expect(purged.body).toEqual({ instancesDeleted: 1 });
    expect((await host.client.status(id)).status).toBe(404);
  });

  it('waitForCompletionOrCreateCheckStatusResponse returns the output once done', async () => {
    const { id } = await host.client.start('chain');
    const res = await host.get(`/api/client/wait/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  });
});

describe('Durable HTTP API', () => {
  it('starts with an explicit id, returns the management links, and refuses a duplicate while running', async () => {
    const id = `explicit-${Date.now()}`;
    const res = await host.system.post<Record<string, string>>(`${API}/orchestrators/status/${id}`, {
      any: 'input',
    });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'id',
        'purgeHistoryDeleteUri',
        'restartPostUri',
        'resumePostUri',
        'sendEventPostUri',
        'statusQueryGetUri',
        'suspendPostUri',
        'terminatePostUri',
      ].sort(),
    );
    expect(res.body.id).toBe(id);
    const again = await host.system.post(`${API}/orchestrators/status/${id}`);
    expect(again.status).toBe(409);
    const status = await host.client.status(id, 'showInput=false');
    expect(status.body.input).toBeNull();
    await host.client.operation(id, 'terminate');
  });

  it('waits for completion when started with timeout and pollingInterval', async () => {
    const done = await host.system.post(`${API}/orchestrators/chain?timeout=20&pollingInterval=1`);
    expect(done).toMatchObject({ status: 200, body: ['Hello Tokyo', 'Hello Seattle', 'Hello London'] });
    const failed = await host.system.post<{ runtimeStatus: string }>(
      `${API}/orchestrators/throws?timeout=20&pollingInterval=1`,
    );
    expect(failed.status).toBe(200);
    expect(failed.body.runtimeStatus).toBe('Failed');
    const waiting = await host.system.post<{ id: string }>(
      `${API}/orchestrators/status?timeout=0.2&pollingInterval=0.1`,
    );
    expect(waiting.status).toBe(202);
    expect(waiting.headers.get('location')).toContain(waiting.body.id);
    expect((await host.system.post(`${API}/orchestrators/chain?timeout=1&pollingInterval=5`)).status).toBe(
      400,
    );
    await host.client.operation(waiting.body.id, 'terminate');
  });

  it('answers 400 for an unknown orchestrator, malformed JSON and a bad instance id', async () => {
    const unknown = await host.system.post<{ error: string }>(`${API}/orchestrators/noSuchOrchestrator`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('noSuchOrchestrator');
    const malformed = await host.system.post<{ error: string }>(`${API}/orchestrators/chain`, '{"broken":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toContain('Invalid JSON');
    expect((await host.system.post(`${API}/orchestrators/chain/@entity`)).status).toBe(400);
  });

  it('answers 404 for unknown instances on every instance route', async () => {
    expect((await host.client.status('nope')).status).toBe(404);
    expect((await host.client.raiseEvent('nope', 'go', 1)).status).toBe(404);
    expect((await host.client.operation('nope', 'terminate')).status).toBe(404);
    expect((await host.client.operation('nope', 'suspend')).status).toBe(404);
    expect((await host.client.operation('nope', 'resume')).status).toBe(404);
    expect((await host.client.operation('nope', 'rewind')).status).toBe(404);
    // As in the extension: restart of an unknown instance is a bad argument.
    expect((await host.client.operation('nope', 'restart')).status).toBe(400);
    expect((await host.client.purge('nope')).status).toBe(404);
    expect((await host.system.get(`${API}/bogus`)).status).toBe(404);
  });

  it('answers 410 for operations on a completed instance and 400 for a non-JSON event', async () => {
    const { id } = await host.client.start('chain');
    await host.client.waitFor(id, ['Completed']);
    expect((await host.client.raiseEvent(id, 'go', 1)).status).toBe(410);
    expect((await host.client.operation(id, 'terminate')).status).toBe(410);
    expect((await host.client.operation(id, 'suspend')).status).toBe(410);
    const running = await host.client.start('status');
    await host.client.waitFor(running.id, ['Running']);
    const bad = await host.system.post(`${API}/instances/${running.id}/raiseEvent/go`, '{nope');
    expect(bad.status).toBe(400);
    const wrongType = await host.system.post(`${API}/instances/${running.id}/raiseEvent/go`, 'plain', {
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBe(400);
    await host.client.operation(running.id, 'terminate');
  });

  it('queries with filters and pages with continuation tokens', async () => {
    const prefix = `q${Date.now()}-`;
    for (let i = 0; i < 5; i++) await host.client.start('chain', undefined, `${prefix}${i}`);
    for (let i = 0; i < 5; i++) await host.client.waitFor(`${prefix}${i}`, ['Completed']);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await host.client.query(`instanceIdPrefix=${prefix}&top=2&runtimeStatus=Completed`, token);
      expect(page.status).toBe(200);
      seen.push(...page.body.map((s) => s.instanceId));
      token = page.headers.get('x-ms-continuation-token') ?? undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}${i}`));

    const none = await host.client.query(`instanceIdPrefix=${prefix}&runtimeStatus=Running`);
    expect(none.body).toEqual([]);
    const future = await host.client.query(`instanceIdPrefix=${prefix}&createdTimeFrom=2999-01-01T00:00:00Z`);
    expect(future.body).toEqual([]);
    // the extension ignores a runtimeStatus it cannot parse (test/host-durable-api.test.ts)
    expect((await host.client.query('runtimeStatus=Sleeping')).status).toBe(200);
    expect((await host.client.query('createdTimeFrom=yesterday')).status).toBe(400);
  });

  it("serves the same API under the client's rpcBaseUrl, which only the binding can name", async () => {
    const binding = await host.system.get<{ rpcBaseUrl: string; requiredQueryStringParameters: string }>(
      '/api/client-binding',
    );
    expect(binding.status).toBe(200);
    const rpc = new URL(binding.body.rpcBaseUrl);
    expect(rpc.pathname).toMatch(/^\/durabletask\/[\w-]{20,}\/$/);
    const res = await request<{ id: string }>(binding.body.rpcBaseUrl, 'POST', 'orchestrators/chain');
    expect(res.status).toBe(202);
    await host.client.waitFor(res.body.id, ['Completed']);
    expect((await request(binding.body.rpcBaseUrl, 'GET', `instances/${res.body.id}`)).status).toBe(200);
    // Without the secret segment, with another one, or with the system key instead, it is not there.
    expect((await host.post('/durabletask/orchestrators/chain')).status).toBe(404);
    expect((await host.post('/durabletask/not-the-secret/orchestrators/chain')).status).toBe(404);
    expect((await host.system.get(`/durabletask/instances/${res.body.id}`)).status).toBe(404);
  });

  it('shows history with outputs merged into their scheduling events', async () => {
    const { id } = await host.client.start('chain');
    await host.client.waitFor(id, ['Completed']);
    const withOutput = await host.client.status(id, 'showHistory=true&showHistoryOutput=true');
    const types = withOutput.body.historyEvents?.map((e) => e.EventType);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'TaskCompleted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(withOutput.body.historyEvents?.[1]).toMatchObject({
      FunctionName: 'sayHello',
      Result: 'Hello Tokyo',
      ScheduledTime: expect.any(String),
    });
    const withoutOutput = await host.client.status(id, 'showHistory=true');
    expect(withoutOutput.body.historyEvents?.[1]?.Result).toBeUndefined();
  });

  it('purges by filter, requiring createdTimeFrom', async () => {
    const { id } = await host.client.start('chain');
    await host.client.waitFor(id, ['Completed']);
    expect((await host.system.delete(`${API}/instances/`)).status).toBe(400);
    const res = await host.system.delete<{ instancesDeleted: number }>(
      `${API}/instances/?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Completed`,
    );
    expect(res.status).toBe(200);
    expect(res.body.instancesDeleted).toBeGreaterThanOrEqual(1);
    expect((await host.client.status(id)).status).toBe(404);
    const again = await host.system.delete(
      `${API}/instances/?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Completed`,
    );
    expect(again.status).toBe(404);
  });
});

describe('keys', () => {
  it('keeps generated keys in the data directory and requires them by authLevel', async () => {
    const secrets = JSON.parse(
      fs.readFileSync(path.join(host.options.dataDir, 'secrets', 'host.json'), 'utf8'),
    ) as { functionKey: string; systemKey: string };
    expect(secrets.functionKey).toMatch(/^[\w-]{43}$/);
    expect(
      (fs.statSync(path.join(host.options.dataDir, 'secrets', 'host.json')).mode & 0o777).toString(8),
    ).toBe('600');
    // function level: the function key or the system key (Azure's master key)
    expect((await host.post('/api/echo', 'x')).status).toBe(401);
    expect((await host.post(`/api/echo?code=${secrets.functionKey}`, 'x')).status).toBe(201);
    expect((await host.post('/api/echo', 'x', { 'x-functions-key': secrets.functionKey })).status).toBe(201);
    expect((await host.system.post('/api/echo', 'x')).status).toBe(201);
    expect((await host.post('/api/echo', 'x', { 'x-functions-key': `${secrets.functionKey}x` })).status).toBe(
      401,
    );
    // admin level: the system key only
    expect((await host.get('/api/client-binding', { 'x-functions-key': secrets.functionKey })).status).toBe(
      401,
    );
    expect((await host.system.get('/api/client-binding')).status).toBe(200);
    // anonymous
    expect((await host.get('/api/hello/anon')).status).toBe(200);
  });

  it('closes the management API and /admin to requests without the system key', async () => {
    for (const path of [`${API}/instances/`, '/admin/host/status', '/admin/clock']) {
      const res = await host.get<{ error: string }>(path);
      expect(res.status, path).toBe(401);
      expect(res.body.error).toContain('system key');
      expect((await host.get(path, { 'x-functions-key': 'wrong' })).status).toBe(401);
      expect((await host.system.get(path)).status, path).toBe(200);
    }
    expect((await host.post(`${API}/orchestrators/chain`)).status).toBe(401);
    expect(
      (await host.post(`${API}/orchestrators/chain?code=${encodeURIComponent(host.systemKey)}`)).status,
    ).toBe(202);
  });

  it('takes SIGNOFF_FUNCTION_KEY over the generated key', async () => {
    const keyed = await startTestHost({
      app: 'test/fixtures/basic-app',
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-keys-')),
      env: { SIGNOFF_FUNCTION_KEY: 'sekret' },
    });
    try {
      expect((await keyed.post('/api/echo', 'x')).status).toBe(401);
      expect((await keyed.post('/api/echo?code=sekret', 'x')).status).toBe(201);
      expect((await keyed.post('/api/echo', 'x', { 'x-functions-key': 'sekret' })).status).toBe(201);
    } finally {
      await keyed.stop();
    }
  });
});
