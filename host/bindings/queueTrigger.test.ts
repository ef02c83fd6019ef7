import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, messageContent, normalizeQueueName } from './queue';
import { readQueueOptions } from './queueOptions';
import { PollingBackoff, poisonQueueName } from './queueTrigger';

describe('queue trigger polling', () => {
  it('backs off from 100 ms by randomized doubling steps up to maxPollingInterval, and resets on a find', () => {
    const backoff = new PollingBackoff(2000, () => 0.5);
    const waits = Array.from({ length: 7 }, () => backoff.next(false));
    expect(waits).toEqual([100, 200, 300, 500, 900, 1700, 2000]);
    expect(backoff.next(false)).toBe(2000);
    expect(backoff.next(true)).toBe(100);
    expect(backoff.next(false)).toBe(200);
    // ±20% on each step.
    const low = new PollingBackoff(60_000, () => 0);
    const high = new PollingBackoff(60_000, () => 1);
    low.next(false);
    high.next(false);
    expect(low.next(false)).toBe(180);
    expect(high.next(false)).toBe(220);
  });

  it('has a poison queue for a queue, not for a poison queue or a name that would be too long', () => {
    expect(poisonQueueName('orders')).toBe('orders-poison');
    expect(poisonQueueName('orders-poison')).toBeUndefined();
    expect(poisonQueueName('q'.repeat(56))).toBe(`${'q'.repeat(56)}-poison`);
    expect(poisonQueueName('q'.repeat(57))).toBeUndefined();
  });
});

describe('queue messages', () => {
  it('are base64 by default, as the extension writes and expects them', () => {
    expect(encodeMessage('héllo', 'base64')).toBe(Buffer.from('héllo').toString('base64'));
    expect(encodeMessage('héllo', 'none')).toBe('héllo');
    expect(decodeMessage('aMOpbGxv', 'base64')?.toString()).toBe('héllo');
    expect(decodeMessage('not base64!', 'base64')).toBeUndefined();
    expect(decodeMessage('abc', 'base64')).toBeUndefined();
    expect(decodeMessage('anything', 'none')?.toString()).toBe('anything');
    expect(messageContent({ a: 1 })).toBe('{"a":1}');
    expect(messageContent(42)).toBe('42');
  });

  it('have lowercase queue names', () => {
    expect(normalizeQueueName('Orders')).toBe('orders');
    expect(() => normalizeQueueName('ab')).toThrow(/Invalid queue name/);
    expect(() => normalizeQueueName('a--b')).toThrow(/Invalid queue name/);
  });
});

describe('host.json extensions.queues', () => {
  const appWith = (hostJson: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-queues-'));
    fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
    return dir;
  };

  it('has the extension defaults, and two seconds between polls at most in development', () => {
    const options = readQueueOptions(appWith({ version: '2.0' }), { development: false });
    expect(options).toMatchObject({
      batchSize: 16,
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 0,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
    });
    expect(options.newBatchThreshold).toBe(8 * os.availableParallelism());
    expect(readQueueOptions(appWith({}), { development: true }).maxPollingIntervalMs).toBe(2000);
  });

  it('reads TimeSpans (or milliseconds) and refuses what the extension refuses', () => {
    const queues = {
      maxPollingInterval: '00:00:05',
      visibilityTimeout: '00:00:30',
      batchSize: 4,
      newBatchThreshold: 1,
      maxDequeueCount: 2,
      messageEncoding: 'None',
    };
    expect(readQueueOptions(appWith({ extensions: { queues } }), { development: false })).toEqual({
      batchSize: 4,
      newBatchThreshold: 1,
      maxPollingIntervalMs: 5000,
      visibilityTimeoutMs: 30_000,
      maxDequeueCount: 2,
      messageEncoding: 'none',
    });
    expect(
      readQueueOptions(appWith({ extensions: { queues: { maxPollingInterval: 2000 } } }), {
        development: false,
      }).maxPollingIntervalMs,
    ).toBe(2000);
    const bad = (q: unknown) => () =>
      readQueueOptions(appWith({ extensions: { queues: q } }), { development: false });
    expect(bad({ batchSize: 33 })).toThrow(/batchSize must be a whole number from 1 to 32/);
    expect(bad({ maxPollingInterval: '00:00:00.05' })).toThrow(/maxPollingInterval must not be less/);
    expect(bad({ maxDequeueCount: 0 })).toThrow(/maxDequeueCount/);
    expect(bad({ messageEncoding: 'utf8' })).toThrow(/messageEncoding/);
    expect(bad({ visibilityTimeout: 'soon' })).toThrow(/visibilityTimeout must be a TimeSpan/);
  });
});
