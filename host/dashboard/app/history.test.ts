/** The dashboard's pure readings of histories. */
import { describe, expect, it } from 'vitest';
import type { HistoryItem } from './api';
import { failures, markTimers, openItems, parentByConvention, startedChild, timeline } from './history';
import { percentile, stepStats } from './stats';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const retried: HistoryItem[] = [
  { EventType: 'ExecutionStarted', Timestamp: at(0), FunctionName: 'order' },
  {
    EventType: 'TaskFailed',
    Timestamp: at(2),
    ScheduledTime: at(0),
    FunctionName: 'charge',
    FailureDetails: {
      ErrorType: 'Error',
      ErrorMessage: 'card declined',
      StackTrace: 'Error: card declined\n  at charge',
    },
  },
  { EventType: 'TimerCreated', Timestamp: at(2), FireAt: at(7) },
  { EventType: 'TimerFired', Timestamp: at(7), FireAt: at(7) },
  { EventType: 'TaskCompleted', Timestamp: at(10), ScheduledTime: at(7), FunctionName: 'charge', Result: 1 },
  { EventType: 'TimerCreated', Timestamp: at(10), FireAt: at(100) },
  { EventType: 'EventRaised', Timestamp: at(40), Name: 'confirmed', Input: '{}' },
  { EventType: 'TaskScheduled', Timestamp: at(40), Name: 'ship' },
];

describe('timeline', () => {
  it('shows the attempts of one activity as one row, with the retry delay between them', () => {
    const rows = timeline(retried);
    const charge = rows.filter((r) => r.label === 'charge');
    expect(charge).toHaveLength(1);
    expect(charge[0]?.attempts.map((a) => [a.end, a.failed])).toEqual([
      [T0 + 2000, true],
      [T0 + 10_000, false],
    ]);
    expect(charge[0]?.retryDelays).toEqual([{ start: T0 + 2000, fireAt: T0 + 7000, end: T0 + 7000 }]);
    // The retry timer is not a timer row of its own; the user's timer is.
    expect(rows.filter((r) => r.kind === 'timer').map((r) => r.fireAt)).toEqual([T0 + 100_000]);
    const wait = rows.find((r) => r.kind === 'wait');
    expect(wait?.attempts[0]).toMatchObject({ start: T0 + 10_000, end: T0 + 40_000 });
  });

  it('lists what is still open, and tells stale timers from held ones', () => {
    const rows = timeline(retried);
    markTimers(rows, T0 + 50_000, 'Running');
    expect(openItems(rows, T0 + 50_000).map((i) => [i.kind, i.label])).toEqual([
      ['timer', 'timer'],
      ['activity', 'ship'],
    ]);
    markTimers(rows, T0 + 200_000, 'Suspended');
    expect(rows.find((r) => r.kind === 'timer')).toMatchObject({ held: true, stale: false });
    markTimers(rows, T0 + 200_000, 'Running');
    expect(rows.find((r) => r.kind === 'timer')).toMatchObject({ held: false, stale: true });
  });

  it('shows entity calls until their answer, signals at once, and a lock until it is granted', () => {
    const request = (fields: Record<string, unknown>) => JSON.stringify({ parent: 'i1', ...fields });
    const history: HistoryItem[] = [
      { EventType: 'ExecutionStarted', Timestamp: at(0), FunctionName: 'moves' },
      {
        EventType: 'EventSent',
        Timestamp: at(0),
        Name: 'op',
        InstanceId: '@account@a',
        Input: request({ id: 'r1', op: 'withdraw', signal: false }),
      },
      {
        EventType: 'EventRaised',
        Timestamp: at(3),
        Name: 'r1',
        Input: '{"result":"{}","exceptionType":"Error"}',
      },
      {
        EventType: 'EventSent',
        Timestamp: at(3),
        Name: 'op',
        InstanceId: '@counter@c',
        Input: request({ id: 'r2', op: 'add', signal: true }),
      },
      {
        EventType: 'EventSent',
        Timestamp: at(3),
        Name: 'op',
        InstanceId: '@account@a',
        Input: request({
          id: 'r3',
          lockset: [
            { name: 'Account', key: 'a' },
            { name: 'account', key: 'b' },
          ],
          pos: 0,
        }),
      },
    ];
    const rows = timeline(history).filter((r) => r.kind === 'entity');
    expect(rows.map((r) => [r.label, r.attempts[0]?.end, r.attempts[0]?.failed])).toEqual([
      ['@account@a withdraw', T0 + 3000, true],
      ['signal @counter@c add', T0 + 3000, false],
      ['lock @account@a, @account@b', undefined, false],
    ]);
    // the answer is not a wait for an event named by the request id
    expect(timeline(history).some((r) => r.kind === 'wait')).toBe(false);
    expect(openItems(rows, T0 + 5000).map((i) => i.label)).toEqual(['lock @account@a, @account@b']);
  });

  it('collects failures with their stacks', () => {
    expect(failures(retried)).toEqual([
      {
        source: 'activity charge',
        at: T0 + 2000,
        type: 'Error',
        message: 'card declined',
        stack: 'Error: card declined\n  at charge',
      },
    ]);
  });
});

describe('sub-orchestration links', () => {
  it('reads the parent from generated ids, and recognises a child in a parent history', () => {
    expect(parentByConvention('order-1:3')).toBe('order-1');
    expect(parentByConvention('order-1')).toBeUndefined();
    const parent: HistoryItem[] = [
      {
        EventType: 'SubOrchestrationInstanceCompleted',
        Timestamp: at(5),
        ScheduledTime: at(1),
        FunctionName: 'child',
      },
    ];
    expect(startedChild(parent, { instanceId: 'x', name: 'child', created: T0 + 1500 })).toBe('time');
    expect(startedChild(parent, { instanceId: 'x', name: 'other', created: T0 + 1500 })).toBeUndefined();
    const open: HistoryItem[] = [
      { EventType: 'SubOrchestrationInstanceCreated', Timestamp: at(1), InstanceId: 'x' },
    ];
    expect(startedChild(open, { instanceId: 'x', name: 'child', created: T0 + 1500 })).toBe('id');
  });
});

describe('stats', () => {
  it('computes nearest-rank percentiles and per-activity figures', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
    const [charge] = stepStats([retried, retried]).filter((s) => s.name === 'charge');
    expect(charge).toMatchObject({
      calls: 2,
      attempts: 4,
      failedAttempts: 2,
      failedCalls: 0,
      p50: 2000,
      p95: 3000,
    });
  });
});
