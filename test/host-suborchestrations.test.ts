import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('sub-orchestrations', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost({ autoSkip: true });
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('runs children with an explicit and with a generated instance id', async () => {
    const { host } = w;
    const { id } = await host.client.start('parent');
    const done = await host.client.waitFor(id, ['Completed']);
    const out = done.output as {
      explicit: { doubled: number; instanceId: string; parent: string };
      generated: { doubled: number; instanceId: string; parent: string };
    };
    expect(out.explicit).toEqual({ doubled: 10, instanceId: `${id}-explicit`, parent: id });
    expect(out.generated.doubled).toBe(14);
    expect(out.generated.parent).toBe(id);
    expect(out.generated.instanceId).not.toBe(out.explicit.instanceId);
    expect(out.generated.instanceId.length).toBeGreaterThan(0);

    const completions = eventsOf(done, 'SubOrchestrationInstanceCompleted');
    expect(completions.map((e) => e.FunctionName)).toEqual(['child', 'child']);
    expect(completions.map((e) => e.Result)).toEqual([out.explicit, out.generated]);

    // each child is an instance of its own, visible through the status API
    for (const child of [out.explicit.instanceId, out.generated.instanceId]) {
      const res = await host.client.status(child);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'child', runtimeStatus: 'Completed' });
      expect(shape(res.body)).toEqual(['ExecutionStarted', 'TaskCompleted', 'ExecutionCompleted']);
    }
  });

  it('lets the parent catch a failed child', async () => {
    const { host } = w;
    const { id } = await host.client.start('parentCatches');
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain('child A broke');
    const [failed] = eventsOf(done, 'SubOrchestrationInstanceFailed');
    expect(failed).toMatchObject({ FunctionName: 'failingChild' });
    expect(String(failed?.Reason)).toContain('child A broke');
  });

  it('retries a failing child that has a generated instance id', async () => {
    const { host } = w;
    const { id } = await host.client.start('parentRetriesChild', {
      key: 'sub-retry-generated',
      failures: 2,
      attempts: 4,
    });
    const done = await host.client.waitFor(id, ['Completed']);
    const out = done.output as { out: { result: string; instanceId: string } };
    expect(out.out.result).toBe('succeeded on attempt 3');
    expect(shape(done)).toEqual([
      'ExecutionStarted',
      'SubOrchestrationInstanceFailed',
      'TimerCreated',
      'TimerFired',
      'SubOrchestrationInstanceFailed',
      'TimerCreated',
      'TimerFired',
      'SubOrchestrationInstanceCompleted',
      'ExecutionCompleted',
    ]);
    const children = [
      ...eventsOf(done, 'SubOrchestrationInstanceFailed'),
      ...eventsOf(done, 'SubOrchestrationInstanceCompleted'),
    ].map((e) => e.FunctionName);
    expect(children).toEqual(['flakyChild', 'flakyChild', 'flakyChild']);
  });

  it('retries a failing child under its explicit instance id', async () => {
    const { host } = w;
    const childId = 'sub-retry-explicit-child';
    const { id } = await host.client.start('parentRetriesChild', {
      key: 'sub-retry-explicit',
      failures: 1,
      attempts: 3,
      instanceId: childId,
    });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ out: { result: 'succeeded on attempt 2', instanceId: childId } });
    const child = (await host.client.status(childId)).body;
    expect(child).toMatchObject({
      runtimeStatus: 'Completed',
      output: done.output && { result: 'succeeded on attempt 2', instanceId: childId },
    });
  });

  it('surfaces the last failure once the child retries are exhausted', async () => {
    const { host } = w;
    const { id } = await host.client.start('parentRetriesChild', {
      key: 'sub-retry-exhausted',
      failures: 10,
      attempts: 2,
    });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { failed: string }).failed).toContain('attempt 2 of sub-retry-exhausted failed');
    expect(eventsOf(done, 'SubOrchestrationInstanceFailed')).toHaveLength(2);
    expect(eventsOf(done, 'TimerFired')).toHaveLength(2);
  });
});
