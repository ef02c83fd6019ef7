import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePathSegment } from './uri';

describe('decodePathSegment', () => {
  it('decodes what is well formed, as decodeURIComponent does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodePathSegment(encodeURIComponent(text))).toBe(text);
      }),
    );
  });

  it('keeps malformed escapes as written and decodes the rest', () => {
    expect(decodePathSegment('%ZZ')).toBe('%ZZ');
    expect(decodePathSegment('100%')).toBe('100%');
    expect(decodePathSegment('%E0%A4%A')).toBe('%E0%A4%A');
    expect(decodePathSegment('a%20b%E0%A4')).toBe('a b%E0%A4');
    expect(decodePathSegment('%C3%A9%FF%41')).toBe('é%FFA');
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[a-z])*$/), (text) => {
        expect(typeof decodePathSegment(text)).toBe('string');
      }),
    );
  });
});
