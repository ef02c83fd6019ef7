import { describe, expect, it } from 'vitest';
import { httpActivityInput, pollAfter, pollInput, requestOf } from './durableHttp';

const response = (statusCode: number, headers: Record<string, string | string[]>) =>
  JSON.stringify({ statusCode, headers, content: '' });

describe('durable HTTP requests and polls', () => {
  const first = httpActivityInput({
    method: 'POST',
    uri: 'http://api.example:80/jobs',
    content: '{}',
    headers: { 'X-Functions-Key': 'k', 'x-trace': 't' },
    tokenSource: { kind: 'AzureManagedIdentity', resource: 'https://graph.microsoft.com/' },
    asynchronousPatternEnabled: true,
  });

  it('serializes the request as the extension does: a one-parameter list, its URI and scope normalized', () => {
    expect(JSON.parse(first)).toEqual([
      {
        method: 'POST',
        uri: 'http://api.example/jobs',
        headers: { 'X-Functions-Key': 'k', 'x-trace': 't' },
        content: '{}',
        tokenSource: { kind: 'AzureManagedIdentity', resource: 'https://graph.microsoft.com/.default' },
        asynchronousPatternEnabled: true,
        retryOptions: null,
        timeout: null,
      },
    ]);
  });

  it('polls a 202 with a Location: Retry-After seconds, else the default', () => {
    expect(pollAfter(first, response(202, { Location: '/status/1', 'Retry-After': '7' }), 30_000)).toEqual({
      location: '/status/1',
      delayMs: 7_000,
    });
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    expect(pollAfter(first, response(202, { location: '/s', 'retry-after': date }), 30_000)?.delayMs).toBe(
      30_000,
    );
    expect(pollAfter(first, response(202, {}), 30_000)).toBeUndefined();
    expect(pollAfter(first, response(200, { Location: '/s' }), 30_000)).toBeUndefined();
    const noPolling = httpActivityInput({ uri: 'http://a/', asynchronousPatternEnabled: false });
    expect(pollAfter(noPolling, response(202, { Location: '/s' }), 30_000)).toBeUndefined();
  });

  it('polls with a GET of Location against the URI, keeping headers but the function key', () => {
    const poll = requestOf(pollInput(first, '/status/1?x=y'));
    expect(poll).toMatchObject({
      method: 'GET',
      uri: 'http://api.example/status/1?x=y',
      headers: { 'x-trace': 't' },
      content: null,
      tokenSource: { resource: 'https://graph.microsoft.com/.default' },
    });
  });
});
