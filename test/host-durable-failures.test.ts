/**
 * Failures of activities and sub-orchestrations reach the orchestrator that awaits them as the
 * Durable extension delivers them to a JavaScript app: `Reason` and `Details` always strings, so
 * `durable-functions` rebuilds the error (a try/catch sees the message) and retry policies retry.
 * Run on the latest durable-functions and on 3.0, which reads nothing but `Reason` and `Details`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { eventsOf, shape } from './support/workflowHost';

const SDKS = ['durable-functions', 'durable-functions-v3.0'];

describe.each(SDKS)('failures with %s', (sdk) => {
  let host: TestHost;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-app-'));
    host = await startTestHost({
      app: 'test/fixtures/durable-app',
      clock: 'virtual',
      autoSkip: true,
      env: { DURABLE_APP_DIR: dir, DURABLE_SDK: sdk },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("lets a parent catch a failed child, with the child's error message", async () => {
    const { id } = await host.client.start('catchChild', 'A');
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain('child A broke');

    const [failed] = eventsOf(done, 'SubOrchestrationInstanceFailed');
    expect(failed).toMatchObject({ FunctionName: 'brokenChild' });
    expect(failed?.Reason).toBe("Orchestrator function 'brokenChild' failed: child A broke");
    expect(failed?.Details).toEqual(expect.stringContaining('Message: child A broke'));
  });

  it('retries a failing child with callSubOrchestratorWithRetry until it succeeds', async () => {
    const key = `child-${sdk}`;
    const { id } = await host.client.start('retryChild', { key, failures: 2, attempts: 3 });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ out: `${key} succeeded on attempt 3` });
    expect(shape(done)).toEqual([
      'ExecutionStarted',
      ...['SubOrchestrationInstanceFailed', 'TimerCreated', 'TimerFired'],
      ...['SubOrchestrationInstanceFailed', 'TimerCreated', 'TimerFired'],
      'SubOrchestrationInstanceCompleted',
      'ExecutionCompleted',
    ]);
    for (const failed of eventsOf(done, 'SubOrchestrationInstanceFailed')) {
      expect(failed.Reason).toEqual(expect.stringContaining("Orchestrator function 'flakyChild' failed"));
      expect(failed.Reason).toEqual(expect.stringContaining(`of ${key} failed`));
      expect(typeof failed.Details).toBe('string');
    }
  });

  it("surfaces the child's last failure once its retries are spent", async () => {
    const key = `child-spent-${sdk}`;
    const { id } = await host.client.start('retryChild', { key, failures: 10, attempts: 2 });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { failed: string }).failed).toContain(`attempt 2 of ${key} failed`);
    expect(eventsOf(done, 'SubOrchestrationInstanceFailed')).toHaveLength(2);
  });

  it("lets an orchestrator catch an activity's error, with its message and stack", async () => {
    const { id } = await host.client.start('catchActivity', { activity: 'explode', input: 'kaboom' });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain('kaboom');
    const [failed] = eventsOf(done, 'TaskFailed');
    expect(failed?.Reason).toBe("Activity function 'explode' failed: kaboom");
    expect(failed?.Details).toEqual(expect.stringMatching(/^Error: kaboom\n\s+at /));
  });

  it('delivers a thrown string (no stack) as a failure the orchestrator can catch', async () => {
    const { id } = await host.client.start('catchActivity', { activity: 'throwText', input: 'plain words' });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain('plain words');
    const [failed] = eventsOf(done, 'TaskFailed');
    expect(failed?.Reason).toBe("Activity function 'throwText' failed: plain words");
    expect(failed?.Details).toBe('Error: plain words');
  });

  it('retries an activity that throws strings', async () => {
    const key = `text-${sdk}`;
    const { id } = await host.client.start('retryActivity', { key, failures: 2, attempts: 3, text: true });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ out: `${key} succeeded on attempt 3` });
    expect(eventsOf(done, 'TaskFailed')).toHaveLength(2);
  });

  it('fails a call to an activity the app does not have as the extension does', async () => {
    const { id } = await host.client.start('catchActivity', { activity: 'noSuchActivity', input: 1 });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain(
      "Activity function 'noSuchActivity' does not exist.",
    );
  });
});
