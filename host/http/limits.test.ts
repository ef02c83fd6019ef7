import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_LIMITS, readRequestLimits, serverOptions } from './limits';

describe('request limits from the environment', () => {
  it('defaults to Azure’s 100 MB per request, 256 MiB buffered, and Node’s own timeouts', () => {
    expect(readRequestLimits({})).toEqual({
      maxRequestBytes: 104_857_600,
      maxBufferedBytes: 268_435_456,
      requestTimeoutMs: 300_000,
      headersTimeoutMs: 60_000,
    });
    expect(DEFAULT_REQUEST_LIMITS).toEqual(readRequestLimits({}));
  });

  it('reads sizes in bytes or with a unit, and durations in seconds or ISO 8601', () => {
    const limits = readRequestLimits({
      SIGNOFF_MAX_REQUEST_BYTES: '8MiB',
      SIGNOFF_MAX_BUFFERED_BYTES: '100000000',
      SIGNOFF_REQUEST_TIMEOUT: 'PT2M',
      SIGNOFF_HEADERS_TIMEOUT: '2.5',
    });
    expect(limits).toEqual({
      maxRequestBytes: 8 * 1024 * 1024,
      maxBufferedBytes: 100_000_000,
      requestTimeoutMs: 120_000,
      headersTimeoutMs: 2500,
    });
    expect(readRequestLimits({ SIGNOFF_MAX_REQUEST_BYTES: '1 kb' }).maxRequestBytes).toBe(1000);
    expect(readRequestLimits({ SIGNOFF_MAX_BUFFERED_BYTES: '1GB' }).maxBufferedBytes).toBe(1e9);
  });

  it('keeps the headers’ default within a shorter request timeout, and 0 turns a timeout off', () => {
    expect(readRequestLimits({ SIGNOFF_REQUEST_TIMEOUT: '10' }).headersTimeoutMs).toBe(10_000);
    const off = readRequestLimits({ SIGNOFF_REQUEST_TIMEOUT: '0', SIGNOFF_HEADERS_TIMEOUT: 'PT0S' });
    expect(off).toMatchObject({ requestTimeoutMs: 0, headersTimeoutMs: 0 });
    expect(serverOptions(off)).toEqual({ requestTimeout: 0, headersTimeout: 0 });
  });

  it('has Node look for late requests often enough for the shortest timeout', () => {
    expect(serverOptions(DEFAULT_REQUEST_LIMITS).connectionsCheckingInterval).toBe(1000);
    const short = readRequestLimits({ SIGNOFF_REQUEST_TIMEOUT: '2', SIGNOFF_HEADERS_TIMEOUT: '1' });
    expect(serverOptions(short)).toEqual({
      requestTimeout: 2000,
      headersTimeout: 1000,
      connectionsCheckingInterval: 250,
    });
  });

  it.each([
    [{ SIGNOFF_MAX_REQUEST_BYTES: 'lots' }, /^SIGNOFF_MAX_REQUEST_BYTES: "lots" is not a size in bytes/],
    [{ SIGNOFF_MAX_REQUEST_BYTES: '0' }, /^SIGNOFF_MAX_REQUEST_BYTES: "0"/],
    [{ SIGNOFF_MAX_REQUEST_BYTES: '-5' }, /^SIGNOFF_MAX_REQUEST_BYTES: "-5"/],
    [{ SIGNOFF_MAX_REQUEST_BYTES: '10 parsecs' }, /^SIGNOFF_MAX_REQUEST_BYTES: "10 parsecs"/],
    [{ SIGNOFF_MAX_BUFFERED_BYTES: '1.5MB' }, /^SIGNOFF_MAX_BUFFERED_BYTES: "1.5MB"/],
    [
      { SIGNOFF_MAX_REQUEST_BYTES: '10MB', SIGNOFF_MAX_BUFFERED_BYTES: '5MB' },
      /^SIGNOFF_MAX_BUFFERED_BYTES: 5000000 bytes is less than SIGNOFF_MAX_REQUEST_BYTES \(10000000\)/,
    ],
    [{ SIGNOFF_REQUEST_TIMEOUT: 'soon' }, /^SIGNOFF_REQUEST_TIMEOUT: "soon" is not a duration/],
    [{ SIGNOFF_HEADERS_TIMEOUT: '-1' }, /^SIGNOFF_HEADERS_TIMEOUT: "-1" is not a duration/],
    [{ SIGNOFF_HEADERS_TIMEOUT: 'P1M' }, /^SIGNOFF_HEADERS_TIMEOUT: "P1M" counts years or months/],
    [
      { SIGNOFF_REQUEST_TIMEOUT: 'PT10S', SIGNOFF_HEADERS_TIMEOUT: 'PT20S' },
      /^SIGNOFF_HEADERS_TIMEOUT: 20 s is longer than SIGNOFF_REQUEST_TIMEOUT \(10 s\)/,
    ],
  ])('refuses %j, naming the setting', (env, message) => {
    expect(() => readRequestLimits(env)).toThrow(message);
  });
});
