import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, eventsOf, ms, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('external events', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost();
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('delivers an event to an orchestrator waiting for it', async () => {
    const { host } = w;
    const { id } = await host.client.start('waitEvent');
    await host.client.waitFor(id, ['Running']);
    const res = await host.client.raiseEvent(id, 'go', { decision: 'approved' });
    expect(res.status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ value: { decision: 'approved' } });
    expect(eventsOf(done, 'EventRaised')).toEqual([
      expect.objectContaining({ Name: 'go', Input: JSON.stringify({ decision: 'approved' }) }),
    ]);
  });

  it('buffers an event raised before the orchestrator waits for it', async () => {
    const { host } = w;
    const { id } = await host.client.start('gatedEvent');
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    expect((await host.client.raiseEvent(id, 'go', 'early bird')).status).toBe(202);
    await host.idle();
    const waiting = (await host.client.status(id)).body;
    expect(waiting.runtimeStatus).toBe('Running');
    expect(shape(waiting)).toEqual(['ExecutionStarted', 'TimerCreated', 'EventRaised']);

    await host.clock.advance('PT1H');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ value: 'early bird' });
    expect(eventsOf(done, 'EventRaised')).toHaveLength(1);
  });

  it('delivers several events of one name in the order they were raised', async () => {
    const { host } = w;
    const { id } = await host.client.start('collectEvents', 5);
    await host.client.waitFor(id, ['Running']);
    for (const item of ['a', 'b', 'c', 'd', 'e']) {
      expect((await host.client.raiseEvent(id, 'item', item)).status).toBe(202);
    }
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(eventsOf(done, 'EventRaised').map((e) => JSON.parse(String(e.Input)))).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
  });

  it('keeps raised events in order when they all arrive before the orchestrator listens', async () => {
    const { host } = w;
    const { id } = await host.client.start('collectEvents', 3);
    await host.client.waitFor(id, ['Running']);
    await host.client.operation(id, 'suspend');
    await host.client.waitFor(id, ['Suspended']);
    for (const item of [1, 2, 3]) await host.client.raiseEvent(id, 'item', item);
    await host.client.operation(id, 'resume');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual([1, 2, 3]);
  });

  it('races an event against a timer: the event wins before the deadline', async () => {
    const { host } = w;
    const { id } = await host.client.start('race', { minutes: 120 });
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    await host.clock.advance('PT1H');
    await host.client.raiseEvent(id, 'approve', 'yes');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toMatchObject({ outcome: 'event', value: 'yes' });
    await host.clock.advance('PT2H');
    expect(eventsOf((await host.client.status(id)).body, 'TimerFired')).toHaveLength(0);
  });

  it('races an event against a timer: the deadline wins, a late event is refused with 410', async () => {
    const { host } = w;
    const { id } = await host.client.start('race', { minutes: 120 });
    const running = await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    await host.clock.advance('PT2H');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toMatchObject({ outcome: 'timeout' });
    const out = done.output as { at: string };
    expect(ms(out.at)).toBe(ms(eventsOf(running, 'TimerCreated')[0]?.FireAt));

    const late = await host.client.raiseEvent(id, 'approve', 'too late');
    expect(late.status).toBe(410);
    expect(eventsOf((await host.client.status(id)).body, 'EventRaised')).toHaveLength(0);
  });

  it('answers 404 for an event to an unknown instance', async () => {
    const res = await w.host.client.raiseEvent('no-such-instance', 'go', 1);
    expect(res.status).toBe(404);
  });

  it('answers 400 for a malformed event body and delivers nothing', async () => {
    const { host } = w;
    const { id } = await host.client.start('waitEvent');
    await host.client.waitFor(id, ['Running']);
    const bad = await host.system.post(`${API}/instances/${id}/raiseEvent/go`, '{"decision": ', {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
    const notJson = await host.system.post(`${API}/instances/${id}/raiseEvent/go`, 'approved', {
      'content-type': 'text/plain',
    });
    expect(notJson.status).toBe(400);
    await host.idle();
    const status = (await host.client.status(id)).body;
    expect(status.runtimeStatus).toBe('Running');
    expect(eventsOf(status, 'EventRaised')).toHaveLength(0);
    await host.client.raiseEvent(id, 'go', 'fine');
    expect((await host.client.waitFor(id, ['Completed'])).output).toEqual({ value: 'fine' });
  });
});
