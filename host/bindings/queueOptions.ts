/**
 * host.json `extensions.queues`, with the storage queue extension's defaults: `batchSize` 16
 * (1-32), `newBatchThreshold` half the batch size times the processor count, `maxPollingInterval`
 * one minute (two seconds in development, as `func start` runs it; at least 100 ms),
 * `visibilityTimeout` 0 (how long a failed message stays invisible before its next try),
 * `maxDequeueCount` 5, `messageEncoding` base64. Intervals are TimeSpans (`"00:00:02"`) or, as
 * in Functions 1.x, milliseconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../common/errors';
import { parseTimeSpan } from './dotnet';
import type { MessageEncoding } from './queue';

export class HostJsonError extends HostError {
  readonly code = 'HOST_JSON';
  readonly retryable = false;
}

export interface QueueOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: MessageEncoding;
}

/** The shortest wait between polls, and the least `maxPollingInterval` may be. */
export const MIN_POLLING_INTERVAL_MS = 100;

export function readQueueOptions(appDir: string, options: { development: boolean }): QueueOptions {
  const file = path.join(appDir, 'host.json');
  let json: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new HostJsonError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const queues = ((json.extensions as Record<string, unknown> | undefined)?.queues ?? {}) as Record<
    string,
    unknown
  >;
  const fail = (name: string, what: string): never => {
    throw new HostJsonError(
      `host.json: extensions.queues.${name} ${what}, got ${JSON.stringify(queues[name])}`,
    );
  };
  const integer = (name: string, min: number, max: number, fallback: number): number => {
    const v = queues[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      fail(name, `must be a whole number from ${min} to ${max}`);
    return v as number;
  };
  const interval = (name: string, fallback: number): number => {
    const v = queues[name];
    if (v === undefined) return fallback;
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseTimeSpan(v) : undefined;
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) fail(name, 'must be a TimeSpan like "00:00:30"');
    return ms as number;
  };
  const batchSize = integer('batchSize', 1, 32, 16);
  const maxPollingIntervalMs = interval('maxPollingInterval', options.development ? 2000 : 60_000);
  if (maxPollingIntervalMs < MIN_POLLING_INTERVAL_MS)
    fail('maxPollingInterval', 'must not be less than 00:00:00.1');
  const encoding = queues.messageEncoding ?? 'base64';
  if (typeof encoding !== 'string' || !['base64', 'none'].includes(encoding.toLowerCase())) {
    fail('messageEncoding', 'must be "base64" or "none"');
  }
  return {
    batchSize,
    newBatchThreshold: integer(
      'newBatchThreshold',
      0,
      Number.MAX_SAFE_INTEGER,
      Math.floor(batchSize / 2) * os.availableParallelism(),
    ),
    maxPollingIntervalMs,
    visibilityTimeoutMs: interval('visibilityTimeout', 0),
    maxDequeueCount: integer('maxDequeueCount', 1, Number.MAX_SAFE_INTEGER, 5),
    messageEncoding: (encoding as string).toLowerCase() as MessageEncoding,
  };
}
