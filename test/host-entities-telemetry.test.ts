/**
 * Entities in the host's telemetry (console exporter): each batch an entity runs is an
 * `entity <name>` span in the trace of what sent its first operation: a client's signal over the
 * HTTP API (its `traceparent`), or an orchestration (the trace it was started in).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const API = '/runtime/webhooks/durabletask';

interface SpanLine {
  span: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({
    app: 'test/fixtures/entity-app',
    clock: 'virtual',
    env: { SIGNOFF_OTEL_EXPORTER: 'console' },
  });
});

afterAll(async () => {
  await host?.stop();
});

const spans = (): SpanLine[] =>
  host.logs.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed.span === 'string' ? [parsed as unknown as SpanLine] : [];
    } catch {
      return [];
    }
  });

it("runs a signalled entity's batch in the signalling request's trace", async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await host.system.post(`${API}/entities/Counter/traced?op=add`, '3', {
    traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
  });
  expect(res.status).toBe(202);
  await host.idle();
  const batch = spans().find(
    (s) => s.span === 'entity Counter' && s.attributes['durable.entity.id'] === '@counter@traced',
  );
  expect(batch).toMatchObject({ traceId, attributes: { 'durable.entity.operations': 'add' } });
  const request = spans().find((s) => s.spanId === batch?.parentSpanId);
  expect(request?.span).toMatch(/^HTTP POST \/runtime\/webhooks\/durabletask\/entities\//);
});

it("runs an orchestration's entity calls in the orchestration's trace", async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const res = await host.system.post<{ id: string }>(`${API}/orchestrators/counterCaller`, '"in-trace"', {
    traceparent: `00-${traceId}-b7ad6b7169203331-01`,
  });
  expect(res.status).toBe(202);
  await host.client.waitFor(res.body.id, ['Completed']);
  await host.idle();
  const batches = spans().filter((s) => s.attributes['durable.entity.id'] === '@counter@in-trace');
  expect(batches.length).toBeGreaterThanOrEqual(4);
  expect(batches.every((s) => s.span === 'entity Counter' && s.traceId === traceId)).toBe(true);
});
