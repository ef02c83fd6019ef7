import { describe, expect, it } from 'vitest';
import { RetryableError, TerminalError } from '../../domain/errors';
import { settled, TerminalActivityError, terminalAsResult } from './retry';

class Refused extends TerminalError {
  readonly code = 'REFUSED';
}
class Busy extends RetryableError {
  readonly code = 'BUSY';
}
const context = {} as never;

describe('terminalAsResult and settled', () => {
  it('hand a terminal error back as a result, which the orchestrator rethrows without a retry', async () => {
    const activity = terminalAsResult('refuse', () => {
      throw new Refused('no, never');
    });
    const result = await activity(undefined, context);
    expect(() => settled(result)).toThrow(TerminalActivityError);
    expect(() => settled(result)).toThrow('refuse cannot succeed: no, never');
    try {
      settled(result);
    } catch (error) {
      expect(error).toMatchObject({ code: 'REFUSED', retryable: false });
    }
  });

  it('let retryable and unknown errors fail the activity, so the retry policy applies', async () => {
    const busy = terminalAsResult('busy', () => {
      throw new Busy('try later');
    });
    await expect(busy(undefined, context)).rejects.toThrow('try later');
    const plain = terminalAsResult('plain', () => {
      throw new Error('boom');
    });
    await expect(plain(undefined, context)).rejects.toThrow('boom');
  });

  it('pass results through', async () => {
    const ok = terminalAsResult('ok', (n: number) => n + 1);
    expect(settled(await ok(1, context))).toBe(2);
    expect(settled(undefined)).toBeUndefined();
  });
});
