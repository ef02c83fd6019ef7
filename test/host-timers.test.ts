import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, ms, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('durable timers and the virtual clock', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost();
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('reads and advances the virtual clock; a timer fires only once its time has come', async () => {
    const { host } = w;
    const t0 = await host.clock.now();
    const { id } = await host.client.start('timerSequence', [60]);
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));

    const afterHalf = await host.clock.advance('PT30M');
    expect(afterHalf.getTime() - t0.getTime()).toBeGreaterThanOrEqual(30 * 60_000);
    expect((await host.client.status(id)).body.runtimeStatus).toBe('Running');

    await host.clock.advance('PT30M');
    const done = await host.client.waitFor(id, ['Completed']);
    const [woke] = done.output as string[];
    const [created] = eventsOf(done, 'TimerCreated');
    // the orchestrator resumes exactly at the time it asked for
    expect(ms(woke)).toBe(ms(created?.FireAt));
    expect(ms(woke) - ms(done.createdTime)).toBeGreaterThanOrEqual(HOUR - 1000);
    expect((await host.clock.now()).getTime()).toBeGreaterThanOrEqual(ms(woke));
  });

  it('advances by days: P2D fires a one-day and a two-day timer in turn', async () => {
    const { host } = w;
    const { id } = await host.client.start('timerSequence', [24 * 60, 24 * 60]);
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    await host.clock.advance('P2D');
    const done = await host.client.waitFor(id, ['Completed']);
    const woke = (done.output as string[]).map(ms);
    expect(woke[1]! - woke[0]!).toBe(DAY);
    expect(eventsOf(done, 'TimerFired')).toHaveLength(2);
  });

  it('persists timers and fires them in order of their due time', async () => {
    const { host } = w;
    const { id } = await host.client.start('timerFanIn', [180, 60, 120]);
    const running = await host.client.waitFor(
      id,
      ['Running'],
      (s) => eventsOf(s, 'TimerCreated').length === 3,
    );
    const created = eventsOf(running, 'TimerCreated').map((e) => ms(e.FireAt));
    await host.clock.advance('PT4H');
    const done = await host.client.waitFor(id, ['Completed']);
    const fired = eventsOf(done, 'TimerFired').map((e) => ms(e.FireAt));
    expect(fired).toEqual([...created].sort((a, b) => a - b));
    // each timer fired at its own time, each in its own episode
    expect(eventsOf(done, 'TimerFired').map((e) => ms(e.Timestamp))).toEqual(fired);
    expect(ms(done.output)).toBe(Math.max(...created));
  });

  it('splits a 10-day timer into 3-day steps (replay schema V3) and resumes at the requested time', async () => {
    const { host } = w;
    const { id } = await host.client.start('longTimer', { days: 10 });
    const running = await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    const start = ms(eventsOf(running, 'ExecutionStarted')[0]?.Timestamp);
    expect(eventsOf(running, 'TimerCreated').map((e) => ms(e.FireAt) - start)).toEqual([3 * DAY]);

    await host.clock.advance('P9D');
    const mid = (await host.client.status(id)).body;
    expect(mid.runtimeStatus).toBe('Running');
    expect(eventsOf(mid, 'TimerCreated').map((e) => ms(e.FireAt) - start)).toEqual([
      3 * DAY,
      6 * DAY,
      10 * DAY,
    ]);

    await host.clock.advance('P1D');
    const done = await host.client.waitFor(id, ['Completed']);
    const out = done.output as { startedAt: string; fireAt: string; resumedAt: string };
    expect(out.resumedAt).toBe(out.fireAt);
    expect(ms(out.fireAt) - ms(out.startedAt)).toBe(10 * DAY);
    expect(shape(done).filter((t) => t.startsWith('Timer'))).toEqual([
      'TimerCreated',
      'TimerFired',
      'TimerCreated',
      'TimerFired',
      'TimerCreated',
      'TimerFired',
    ]);
    expect(eventsOf(done, 'TimerFired').map((e) => ms(e.FireAt) - start)).toEqual([
      3 * DAY,
      6 * DAY,
      10 * DAY,
    ]);
  });

  it('never fires the timer that lost a Task.any race', async () => {
    const { host } = w;
    const { id } = await host.client.start('race', { minutes: 24 * 60 });
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    expect((await host.client.raiseEvent(id, 'approve', { by: 'ana' })).status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toMatchObject({ outcome: 'event', value: { by: 'ana' } });

    await host.clock.advance('P2D');
    const later = (await host.client.status(id)).body;
    expect(eventsOf(later, 'TimerCreated')).toHaveLength(1);
    expect(eventsOf(later, 'TimerFired')).toHaveLength(0);
    expect(later.lastUpdatedTime).toBe(done.lastUpdatedTime);
  });

  it('auto-skip jumps straight to each due timer', async () => {
    const { host } = w;
    const before = await host.clock.now();
    await host.clock.setAutoSkip(true);
    try {
      const { id } = await host.client.start('timerSequence', [90, 24 * 60]);
      const done = await host.client.waitFor(id, ['Completed']);
      const woke = (done.output as string[]).map(ms);
      expect(woke[1]! - woke[0]!).toBe(DAY);
      expect(woke[0]! - ms(eventsOf(done, 'ExecutionStarted')[0]?.Timestamp)).toBe(90 * 60_000);
      expect((await host.clock.now()).getTime() - before.getTime()).toBeGreaterThanOrEqual(DAY + 90 * 60_000);
    } finally {
      await host.clock.setAutoSkip(false);
    }
  });
});

describe('auto-skip from the start', () => {
  it('runs a two-day approval deadline to its timeout without anyone moving the clock', async () => {
    const { host } = await startWorkflowHost({ autoSkip: true });
    try {
      const { id } = await host.client.start('race', { minutes: 2 * 24 * 60 });
      const done = await host.client.waitFor(id, ['Completed']);
      expect(done.output).toMatchObject({ outcome: 'timeout' });
      const out = done.output as { at: string };
      expect(ms(out.at) - ms(eventsOf(done, 'ExecutionStarted')[0]?.Timestamp)).toBe(2 * DAY);
      expect(eventsOf(done, 'TimerFired')).toHaveLength(1);
    } finally {
      await host.stop();
    }
  });
});
