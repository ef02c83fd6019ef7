/**
 * The settings of worker processes as Azure reads them (host.json `functionTimeout`,
 * `FUNCTIONS_WORKER_PROCESS_COUNT`, `languageWorkers__node__arguments`), the timeout's message,
 * and errors as they cross from a worker to the host.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUNCTION_TIMEOUT_MS, parseFunctionTimeout, readWorkerSettings } from '../host/app';
import { FunctionTimeoutError, timeSpan } from '../host/runtime/failures';
import { fromThrown, toThrown } from '../host/runtime/protocol';

describe('functionTimeout', () => {
  it('reads .NET TimeSpans, -1 for no limit, and 30 minutes when absent', () => {
    expect(parseFunctionTimeout('00:05:00')).toBe(300_000);
    expect(parseFunctionTimeout('1.02:03:04')).toBe(((26 * 60 + 3) * 60 + 4) * 1000);
    expect(parseFunctionTimeout('00:00:01.5')).toBe(1500);
    expect(parseFunctionTimeout('00:10')).toBe(600_000);
    expect(parseFunctionTimeout('-1')).toBeUndefined();
    expect(parseFunctionTimeout(-1)).toBeUndefined();
    expect(parseFunctionTimeout(undefined)).toBe(DEFAULT_FUNCTION_TIMEOUT_MS);
    expect(parseFunctionTimeout(null)).toBe(30 * 60_000);
  });

  it('refuses what Azure refuses, naming the value', () => {
    expect(() => parseFunctionTimeout('PT5M')).toThrow('functionTimeout "PT5M" is not a TimeSpan');
    expect(() => parseFunctionTimeout(300)).toThrow('functionTimeout 300 is not a TimeSpan');
    expect(() => parseFunctionTimeout('24:00:00')).toThrow('is not a TimeSpan');
    expect(() => parseFunctionTimeout('00:00:00.5')).toThrow('under the minimum, 00:00:01');
  });

  it('overruns are told in the Functions host words, with its TimeSpan format', () => {
    expect(timeSpan(4000)).toBe('00:00:04');
    expect(timeSpan(1500)).toBe('00:00:01.5000000');
    expect(timeSpan(30 * 60_000)).toBe('00:30:00');
    expect(timeSpan(26 * 3_600_000)).toBe('1.02:00:00');
    const error = new FunctionTimeoutError('hang', 'abc', 300_000);
    expect(error.message).toBe(
      "Timeout value of 00:05:00 exceeded by function 'Functions.hang' (Id: 'abc'). Initiating cancellation.",
    );
    expect(error.name).toBe('Microsoft.Azure.WebJobs.Host.FunctionTimeoutException');
  });
});

describe('worker settings', () => {
  it('one worker by default, up to ten, with node arguments as Azure passes them', () => {
    expect(readWorkerSettings({})).toEqual({ processCount: 1, nodeArguments: [] });
    expect(
      readWorkerSettings({
        FUNCTIONS_WORKER_PROCESS_COUNT: '10',
        languageWorkers__node__arguments: ' --max-old-space-size=512  --inspect=9230 ',
      }),
    ).toEqual({ processCount: 10, nodeArguments: ['--max-old-space-size=512', '--inspect=9230'] });
    for (const bad of ['0', '11', '1.5', 'two']) {
      expect(() => readWorkerSettings({ FUNCTIONS_WORKER_PROCESS_COUNT: bad })).toThrow(
        `FUNCTIONS_WORKER_PROCESS_COUNT: "${bad}" is not a whole number from 1 to 10`,
      );
    }
  });
});

describe('a thrown value crossing from a worker', () => {
  it('is an Error of the same name, message, stack and own fields', () => {
    class TerminalError extends Error {
      readonly code = 'NOT_AN_APPROVER';
    }
    const original = new TerminalError('not an approver');
    original.name = 'TerminalError';
    const crossed = fromThrown(structuredClone(toThrown(original))) as Error & { code: string };
    expect(crossed).toBeInstanceOf(Error);
    expect(crossed.constructor.name).toBe('TerminalError');
    expect(crossed).toMatchObject({
      name: 'TerminalError',
      message: 'not an approver',
      code: 'NOT_AN_APPROVER',
    });
    expect(crossed.stack).toBe(original.stack);
  });

  it('is the value itself when it is not an Error, undefined included', () => {
    expect(fromThrown(structuredClone(toThrown('card declined')))).toBe('card declined');
    expect(fromThrown(structuredClone(toThrown({ reason: 'x' })))).toEqual({ reason: 'x' });
    expect(fromThrown(structuredClone(toThrown(undefined)))).toBeUndefined();
  });
});
