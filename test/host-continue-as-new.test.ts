import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, rawHistory, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('continueAsNew', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost({ autoSkip: true });
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('keeps the history of an eternal monitor bounded over 1,000 generations', async () => {
    const { host } = w;
    const before = await host.clock.now();
    const { id } = await host.client.start('monitor', { n: 0, max: 1000 });
    const done = await host.client.waitFor(id, ['Completed'], undefined, 120_000);
    expect(done.output).toEqual({ generations: 1000 });
    // only the last generation's history is left
    expect(shape(done)).toEqual(['ExecutionStarted', 'TimerCreated', 'TimerFired', 'ExecutionCompleted']);
    expect(eventsOf(done, 'ExecutionStarted')[0]?.Input).toBe(JSON.stringify({ n: 999, max: 1000 }));
    expect(rawHistory(host, id).length).toBeLessThanOrEqual(10);
    // one virtual minute per generation
    const elapsed = (await host.clock.now()).getTime() - before.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(1000 * 60_000);
  }, 180_000);

  it('drops events an earlier episode buffered but never awaited, as the extension does for JS', async () => {
    // The JS SDK's continueAsNew has no preserveUnprocessedEvents; Azure starts the new
    // generation without events already in the old generation's history.
    const { host } = w;
    await host.clock.setAutoSkip(false);
    try {
      const { id } = await host.client.start('counter', { total: 0, seen: 0, target: 3, gate: true });
      await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
      for (const value of [1, 10, 100])
        expect((await host.client.raiseEvent(id, 'inc', value)).status).toBe(202);
      await host.idle();
      expect(eventsOf((await host.client.status(id)).body, 'EventRaised')).toHaveLength(3);

      await host.clock.advance('PT1H');
      const next = await host.client.waitFor(
        id,
        ['Running'],
        (s) => (s.input as { seen: number }).seen === 1,
      );
      expect(next.input).toEqual({ total: 1, seen: 1, target: 3, gate: false });
      expect(eventsOf(next, 'EventRaised')).toHaveLength(0);

      // new events reach the new generation
      await host.client.raiseEvent(id, 'inc', 1000);
      await host.client.raiseEvent(id, 'inc', 10_000);
      const done = await host.client.waitFor(id, ['Completed']);
      expect(done.output).toEqual({ total: 11_001, seen: 3 });
    } finally {
      await host.clock.setAutoSkip(true);
    }
  });

  it('carries events that arrive with the continue-as-new, unprocessed, into the next generation', async () => {
    const { host } = w;
    const { id } = await host.client.start('counter', { total: 0, seen: 0, target: 3, gate: false });
    await host.client.waitFor(id, ['Running']);
    await host.client.operation(id, 'suspend');
    await host.client.waitFor(id, ['Suspended']);
    for (const value of [5, 50, 500]) await host.client.raiseEvent(id, 'inc', value);
    await host.client.operation(id, 'resume');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ total: 555, seen: 3 });
  });
});
