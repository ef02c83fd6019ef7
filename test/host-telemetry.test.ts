/**
 * Telemetry and the host's own alerts, on a small plain app (test/fixtures/telemetry-app):
 * spans printed by the console exporter share the trace of the HTTP request that started the
 * instance (through the durable-functions client's `traceparent`); an activity that fails with no
 * retry policy and an instance past its SLA each raise one alert, a log line and a webhook POST,
 * only once the virtual clock has passed the SLA.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const APP = 'test/fixtures/telemetry-app';

interface SpanLine {
  span: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  attributes: Record<string, unknown>;
}

function lines(host: TestHost): Array<Record<string, unknown>> {
  return host.logs.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

const spans = (host: TestHost) =>
  lines(host).filter((l) => typeof l.span === 'string') as unknown as SpanLine[];
const alerts = (host: TestHost, instanceId: string) =>
  lines(host).filter((l) => typeof l.alert === 'string' && l.instanceId === instanceId);

async function startVia(host: TestHost, name: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await host.post<{ id: string }>(`/api/start/${name}`, undefined, headers);
  expect(res.status).toBe(202);
  return res.body.id;
}

describe('console exporter', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ app: APP, clock: 'virtual', env: { SIGNOFF_OTEL_EXPORTER: 'console' } });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('prints one trace: the starting request, the start call, every episode and activity', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const caller = '00f067aa0ba902b7';
    const id = await startVia(host, 'traced', { traceparent: `00-${traceId}-${caller}-01` });
    const done = await host.client.waitFor(id, ['Completed']);
    await host.idle();

    const all = spans(host);
    const trigger = all.find((s) => s.span === 'HTTP POST /api/start/{name}');
    expect(trigger).toMatchObject({ traceId, parentSpanId: caller, kind: 1 });
    // The durable-functions client calls the start API at its rpcBaseUrl (/durabletask/).
    const start = all.find((s) => s.span === 'HTTP POST /durabletask/orchestrators/{functionName}');
    expect(start).toMatchObject({ traceId, parentSpanId: trigger?.spanId });

    const mine = all.filter((s) => s.attributes['durable.instance.id'] === id);
    const episodes = mine.filter((s) => s.span === 'orchestration traced');
    const activities = mine.filter((s) => s.span.startsWith('activity '));
    expect(episodes.length).toBe(3);
    expect(activities.map((s) => s.span)).toEqual(['activity greet', 'activity traceOf']);
    for (const s of [...episodes, ...activities]) {
      expect(s.traceId).toBe(traceId);
      expect(s.parentSpanId).toBe(start?.spanId);
    }
    expect(episodes.map((s) => s.attributes['durable.replay.length'])).toEqual([
      0,
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(episodes.map((s) => s.attributes['signoff.outcome'])).toEqual(['Running', 'Running', 'Completed']);
    expect(activities[0]?.attributes).toMatchObject({
      'durable.task.id': 0,
      'signoff.outcome': 'completed',
    });

    // The activity's own invocation context carries its span.
    const traced = activities[1] as SpanLine;
    expect(done.output).toEqual({
      greeting: 'Hello Oslo',
      traceParent: `00-${traceId}-${traced.spanId}-01`,
    });
  });

  it('a request without traceparent starts a trace of its own', async () => {
    const id = await startVia(host, 'traced');
    await host.client.waitFor(id, ['Completed']);
    const mine = spans(host).filter((s) => s.attributes['durable.instance.id'] === id);
    const traceIds = new Set(mine.map((s) => s.traceId));
    expect(traceIds.size).toBe(1);
    const trigger = spans(host).filter(
      (s) => s.span === 'HTTP POST /api/start/{name}' && traceIds.has(s.traceId),
    );
    expect(trigger).toHaveLength(1);
    expect(trigger[0]?.parentSpanId).toBeUndefined();
  });
});

describe('otlp exporter', () => {
  it('sends the spans to OTEL_EXPORTER_OTLP_ENDPOINT (flushed when the host stops)', async () => {
    const received: Array<{ path: string; body: string }> = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const host = await startTestHost({
      app: APP,
      clock: 'virtual',
      env: { SIGNOFF_OTEL_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    });
    try {
      const id = await startVia(host, 'traced');
      await host.client.waitFor(id, ['Completed']);
    } finally {
      await host.stop();
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    expect(received.map((r) => r.path)).toContain('/v1/traces');
    const names = received.flatMap((r) =>
      [...r.body.matchAll(/"name":"((?:orchestration|activity|HTTP) [^"]+)"/g)].map((m) => m[1]),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'HTTP POST /api/start/{name}',
        'orchestration traced',
        'activity greet',
        'activity traceOf',
      ]),
    );
  });
});

describe('host alerts', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({
      app: APP,
      clock: 'virtual',
      env: { SIGNOFF_ALERT_WEBHOOK: '/api/alerts', SIGNOFF_INSTANCE_SLA: 'PT1H' },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  async function posted(instanceId: string, alert: string): Promise<Array<Record<string, unknown>>> {
    for (let i = 0; i < 100; i++) {
      const res = await host.get<Array<Record<string, unknown>>>('/api/alerts');
      const found = res.body.filter((a) => a.instanceId === instanceId && a.alert === alert);
      if (found.length > 0) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    return [];
  }

  it('telemetry is off by default: no spans', () => {
    expect(spans(host)).toEqual([]);
  });

  it('an activity that fails with no retry policy raises activity-failed', async () => {
    const id = await startVia(host, 'failsOnce');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ caught: expect.stringContaining('the printer is on fire') });
    const expected = {
      alert: 'activity-failed',
      instanceId: id,
      name: 'explode',
      source: 'host',
      message: expect.stringContaining("Activity 'explode' of failsOnce failed after 1 attempt"),
      details: expect.objectContaining({ orchestrator: 'failsOnce', attempts: 1, taskId: 0 }),
    };
    expect(alerts(host, id)).toEqual([expect.objectContaining({ ...expected, level: 'warn', msg: 'alert' })]);
    expect(await posted(id, 'activity-failed')).toEqual([expect.objectContaining(expected)]);
  });

  it('an instance past its SLA raises instance-sla once the clock passes it, not before', async () => {
    const t0 = (await host.clock.now()).getTime();
    const waiting = await startVia(host, 'waits');
    const quick = await startVia(host, 'failsOnce');
    await host.client.waitFor(waiting, ['Running']);
    await host.client.waitFor(quick, ['Completed']);

    await host.clock.advance('PT59M');
    expect(alerts(host, waiting)).toEqual([]);

    const now = await host.clock.advance('PT2M');
    const expected = {
      alert: 'instance-sla',
      instanceId: waiting,
      name: 'waits',
      at: now.toISOString(),
      details: expect.objectContaining({ status: 'Running', createdAt: new Date(t0).toISOString() }),
    };
    expect(alerts(host, waiting)).toEqual([expect.objectContaining(expected)]);
    expect(await posted(waiting, 'instance-sla')).toEqual([expect.objectContaining(expected)]);
    // The instance that completed in time raises none.
    expect(alerts(host, quick).map((a) => a.alert)).toEqual(['activity-failed']);

    // Once only, and never for an instance that ended.
    await host.client.raiseEvent(waiting, 'go', 'now');
    await host.client.waitFor(waiting, ['Completed']);
    await host.clock.advance('PT3H');
    expect(alerts(host, waiting).map((a) => a.alert)).toEqual(['instance-sla']);
  });
});
