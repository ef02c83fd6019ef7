import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventsOf,
  ms,
  RawType,
  rawHistory,
  shape,
  startWorkflowHost,
  type WorkflowHost,
} from './support/workflowHost';

const withoutMarkers = (types: string[]) =>
  types.filter((t) => t !== 'ExecutionStarted' && t !== 'ExecutionCompleted');

describe('host-side retries (callActivityWithRetry)', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost({ autoSkip: true });
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('waits 1 s, 2 s, then 3 s (coefficient 2, capped at 3 s) and surfaces the last failure', async () => {
    const { host } = w;
    const { id } = await host.client.start('retryActivity', {
      key: 'backoff',
      failures: 100,
      attempts: 4,
      first: 1000,
      coefficient: 2,
      maxInterval: 3000,
    });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { failed: string }).failed).toContain('attempt 4 of backoff failed');

    // DTFx's shape: a timer after every failure, the last one due at once
    expect(withoutMarkers(shape(done))).toEqual([
      ...['TaskFailed', 'TimerCreated', 'TimerFired'],
      ...['TaskFailed', 'TimerCreated', 'TimerFired'],
      ...['TaskFailed', 'TimerCreated', 'TimerFired'],
      ...['TaskFailed', 'TimerCreated', 'TimerFired'],
    ]);
    const failed = eventsOf(done, 'TaskFailed');
    const attemptsAt = failed.map((e) => ms(e.ScheduledTime));
    const gaps = attemptsAt.slice(1).map((t, i) => t - (attemptsAt[i] as number));
    expect(gaps).toEqual([1000, 2000, 3000]);
    expect(failed.map((e) => e.FunctionName)).toEqual(['failTimes', 'failTimes', 'failTimes', 'failTimes']);

    const timers = eventsOf(done, 'TimerCreated');
    const delays = timers.map((t) => ms(t.FireAt) - ms(t.Timestamp));
    expect(delays).toEqual([1000, 2000, 3000, 0]);
    // the failure reaches the orchestrator when the last (immediate) timer fires
    expect(ms((done.output as { at: string }).at)).toBe(ms(timers[3]?.FireAt));

    // sequence numbers: two per attempt, each completion pointing at what it completes
    const raw = rawHistory(host, id);
    const scheduled = raw.filter((e) => e.EventType === RawType.TaskScheduled).map((e) => e.EventId);
    const timerIds = raw.filter((e) => e.EventType === RawType.TimerCreated).map((e) => e.EventId);
    expect(scheduled).toEqual([0, 2, 4, 6]);
    expect(timerIds).toEqual([1, 3, 5, 7]);
    expect(raw.filter((e) => e.EventType === RawType.TaskFailed).map((e) => e.TaskScheduledId)).toEqual(
      scheduled,
    );
    expect(raw.filter((e) => e.EventType === RawType.TimerFired).map((e) => e.TimerId)).toEqual(timerIds);
  });

  it('succeeds on a later attempt and stops retrying', async () => {
    const { host } = w;
    const { id } = await host.client.start('retryActivity', {
      key: 'third-time-lucky',
      failures: 2,
      attempts: 5,
      first: 500,
    });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toMatchObject({ result: 'succeeded on attempt 3' });
    expect(withoutMarkers(shape(done))).toEqual([
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskCompleted',
    ]);
    // coefficient 1 by default: the same interval every time
    expect(eventsOf(done, 'TimerCreated').map((t) => ms(t.FireAt) - ms(t.Timestamp))).toEqual([500, 500]);
  });

  it('fails the orchestration with the activity error when the orchestrator does not catch it', async () => {
    const { host } = w;
    const { id } = await host.client.start('retryActivity', {
      key: 'uncaught',
      failures: 100,
      attempts: 2,
      first: 1000,
      rethrow: true,
    });
    const done = await host.client.waitFor(id, ['Failed']);
    expect(String(done.output)).toContain("Orchestrator function 'retryActivity' failed");
    expect(String(done.output)).toContain('attempt 2 of uncaught failed');
    expect(eventsOf(done, 'TaskFailed')).toHaveLength(2);
  });
});

describe('retries on a clock nobody moves', () => {
  it('does not retry before the interval has passed', async () => {
    const { host } = await startWorkflowHost();
    try {
      const { id } = await host.client.start('retryActivity', {
        key: 'manual',
        failures: 1,
        attempts: 3,
        first: 60_000,
      });
      const first = await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
      expect(eventsOf(first, 'TaskFailed')).toHaveLength(1);
      await host.clock.advance('PT59S');
      const still = (await host.client.status(id)).body;
      expect(eventsOf(still, 'TimerFired')).toHaveLength(0);
      expect(still.runtimeStatus).toBe('Running');
      await host.clock.advance('PT1S');
      const done = await host.client.waitFor(id, ['Completed']);
      expect(done.output).toMatchObject({ result: 'succeeded on attempt 2' });
    } finally {
      await host.stop();
    }
  });
});
