import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_BYTES, isInstanceId, maxJsonBytesOf } from './validation';

describe('maxJsonBytesOf (SIGNOFF_MAX_JSON_BYTES)', () => {
  it('defaults to 1 MiB and takes a whole number of bytes', () => {
    expect(maxJsonBytesOf(undefined)).toBe(DEFAULT_MAX_JSON_BYTES);
    expect(DEFAULT_MAX_JSON_BYTES).toBe(1_048_576);
    expect(maxJsonBytesOf(' 65536 ')).toBe(65_536);
  });

  it('refuses anything else, naming the setting', () => {
    for (const bad of ['1mb', '-1', '10', '2048.5', 'NaN']) {
      expect(() => maxJsonBytesOf(bad)).toThrow(/^SIGNOFF_MAX_JSON_BYTES: must be a whole number of bytes/);
    }
  });
});

describe('isInstanceId', () => {
  it('takes what a table key and a URL path segment can carry', () => {
    expect(isInstanceId('loan-7k2m9qxd')).toBe(true);
    for (const bad of ['', ' ', ' a', 'a ', 'a/b', 'a\\b', 'a#b', 'a?b', 'a\u0000', 'x'.repeat(257)]) {
      expect(isInstanceId(bad)).toBe(false);
    }
  });
});
