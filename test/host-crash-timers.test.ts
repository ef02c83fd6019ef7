import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, ms, recorded, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('kill -9 while instances wait on timers and events', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost();
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('fires each timer and delivers each event exactly once after a restart', async () => {
    const { host, dir } = w;
    const timerIds = Array.from({ length: 10 }, (_, i) => `crash-timer-${i}`);
    const eventIds = Array.from({ length: 10 }, (_, i) => `crash-event-${i}`);
    await Promise.all([
      ...timerIds.map((id) => host.client.start('crashWaiter', { waitFor: 'timer' }, id)),
      ...eventIds.map((id) => host.client.start('crashWaiter', { waitFor: 'event' }, id)),
    ]);
    await Promise.all([
      ...timerIds.map((id) => host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'))),
      ...eventIds.map((id) => host.client.waitFor(id, ['Running'])),
    ]);
    await host.clock.advance('PT30M');

    // every event is acknowledged (202), then the host dies before it has surely processed them
    const raised = await Promise.all(eventIds.map((id, i) => host.client.raiseEvent(id, 'go', i)));
    expect(raised.map((r) => r.status)).toEqual(eventIds.map(() => 202));
    await host.kill();

    await host.restart();
    await host.clock.advance('PT1H');
    await host.clock.advance('PT3H');
    const timerDone = await Promise.all(timerIds.map((id) => host.client.waitFor(id, ['Completed'])));
    const eventDone = await Promise.all(eventIds.map((id) => host.client.waitFor(id, ['Completed'])));

    for (const s of timerDone) {
      expect(eventsOf(s, 'TimerCreated')).toHaveLength(2);
      expect(eventsOf(s, 'TimerFired')).toHaveLength(2);
      expect(s.output).toEqual({ value: null });
    }
    eventDone.forEach((s, i) => {
      expect(eventsOf(s, 'EventRaised')).toHaveLength(1);
      expect(eventsOf(s, 'TimerFired')).toHaveLength(1);
      expect(s.output).toEqual({ value: i });
    });
    // the activity after the waits ran once per instance
    const lines = recorded(dir, 'crash');
    expect([...lines].sort()).toEqual([...timerIds, ...eventIds].sort());
  });

  it('fires at start a timer that came due while the host was down', async () => {
    const { host } = w;
    const { id } = await host.client.start('timerSequence', [60]);
    const waiting = await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    const fireAt = ms(eventsOf(waiting, 'TimerCreated')[0]?.FireAt);
    await host.idle();
    await host.kill();

    await host.restart({ downtime: 'PT2H' });
    // nobody touches the clock: the overdue timer fires on its own
    const done = await host.client.waitFor(id, ['Completed']);
    expect(eventsOf(done, 'TimerFired')).toHaveLength(1);
    expect(ms(eventsOf(done, 'TimerFired')[0]?.FireAt)).toBe(fireAt);
    const [woke] = done.output as string[];
    expect(ms(woke)).toBeGreaterThanOrEqual(fireAt + 60 * 60_000);
    // and nothing fires twice later
    await host.clock.advance('P1D');
    expect(eventsOf((await host.client.status(id)).body, 'TimerFired')).toHaveLength(1);
  });

  it('keeps an acknowledged start across a kill', async () => {
    const { host } = w;
    const { id } = await host.client.start('collectEvents', 2);
    await host.kill();
    await host.restart();
    await host.client.raiseEvent(id, 'item', 'x');
    await host.client.raiseEvent(id, 'item', 'y');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual(['x', 'y']);
    expect(eventsOf(done, 'ExecutionStarted')).toHaveLength(1);
  });
});
