/**
 * Document links on a clock of the test's choosing: valid until their expiry and not a second
 * longer, bound to one request, document and person, never longer-lived than links are issued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDocumentSettings, checkLink, documentLink, linkTtlSeconds } from './documents';

const saved = { ...process.env };
beforeAll(() => {
  process.env.SIGNOFF_DOCUMENT_LINK_KEY = Buffer.alloc(32, 7).toString('base64');
  delete process.env.SIGNOFF_DOCUMENT_LINK_SECONDS;
});
afterAll(() => {
  process.env = saved;
});

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

async function issued() {
  const link = await documentLink('https://signoff.example', 'loan-abc', 'd-0123456789abcdef', 'u-megan', T0);
  const url = new URL(link.url);
  const facts = (over: Record<string, string> = {}) => ({
    requestId: 'loan-abc',
    documentId: 'd-0123456789abcdef',
    viewer: url.searchParams.get('u'),
    exp: url.searchParams.get('exp'),
    sig: url.searchParams.get('sig'),
    ...over,
  });
  return { link, facts };
}

describe('document links', () => {
  it('open for five minutes, then say they expired', async () => {
    const { link, facts } = await issued();
    expect(link.expiresAt).toBe('2026-11-29T12:05:00.000Z');
    expect(await checkLink(facts(), T0)).toEqual({ ok: true });
    expect(await checkLink(facts(), T0 + 299_999)).toEqual({ ok: true });
    expect(await checkLink(facts(), T0 + 300_000)).toEqual({ ok: false, why: 'expired' });
  });

  it('read one document of one request, issued to one person', async () => {
    const { facts } = await issued();
    const overs: Array<Record<string, string>> = [
      { requestId: 'loan-abd' },
      { documentId: 'd-0123456789abcdee' },
      { viewer: 'u-alex' },
      { exp: String(Math.floor(T0 / 1000) + 3600) },
    ];
    for (const over of overs) {
      expect(await checkLink(facts(over), T0), JSON.stringify(over)).toEqual({ ok: false, why: 'signature' });
    }
    expect(await checkLink(facts({ sig: '' }), T0)).toEqual({ ok: false, why: 'malformed' });
  });

  it('a link signed to live longer than links do is refused', async () => {
    const { facts } = await issued();
    // Signed correctly for T0, presented an hour before it was issued: it would live 65 minutes.
    expect(await checkLink(facts(), T0 - 3_600_000)).toEqual({ ok: false, why: 'expired' });
  });

  it('a key setting shorter than 32 bytes stops the app, naming it', () => {
    expect(() => checkDocumentSettings({ SIGNOFF_DOCUMENT_LINK_KEY: 'c2hvcnQ=' })).toThrow(
      /SIGNOFF_DOCUMENT_LINK_KEY/,
    );
    expect(() =>
      checkDocumentSettings({ SIGNOFF_DOCUMENT_LINK_KEY: Buffer.alloc(32).toString('base64') }),
    ).not.toThrow();
    expect(() => checkDocumentSettings({})).not.toThrow();
  });

  it('their lifetime is a setting within 1 s to an hour', () => {
    expect(linkTtlSeconds({})).toBe(300);
    expect(linkTtlSeconds({ SIGNOFF_DOCUMENT_LINK_SECONDS: '60' })).toBe(60);
    expect(() => linkTtlSeconds({ SIGNOFF_DOCUMENT_LINK_SECONDS: '7200' })).toThrow(
      /SIGNOFF_DOCUMENT_LINK_SECONDS/,
    );
  });
});
