/**
 * Bad input never gets a 5xx: a few hundred malformed requests (test/soak/fuzz.ts) over every
 * route of the app on a running host, with and without keys and tokens, some aimed at requests
 * that exist. The full run is `npm run soak -- fuzz --n 20000`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { fuzz } from './soak/fuzz';

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});

afterAll(async () => {
  await host?.stop();
});

it('answers malformed requests on every route with 4xx, never 5xx, and keeps serving', async () => {
  const ids: string[] = [];
  for (const amount of [5_000, 45_000]) {
    const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
      details: { applicant: 'Fuzz', amount, currency: 'EUR', purpose: 'fuzzing', termMonths: 12 },
    });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  const credentials = {
    systemKey: host.systemKey,
    tokens: await Promise.all(['patti', 'megan', 'isaiah'].map((u) => host.token(u))),
    ids,
  };
  const result = await fuzz(host, credentials, { n: Number(process.env.FUZZ_RUNS ?? 300) });
  expect(result.failures).toEqual([]);
  // The requests reached the handlers, not only the doors: some were accepted, some refused as input.
  expect(result.statuses['200']).toBeGreaterThan(0);
  expect(result.statuses['400']).toBeGreaterThan(0);
  expect((await host.get('/api/health')).status).toBe(200);
});

describe('the inputs that once answered 500', () => {
  it.each([
    ['a malformed escape in an app route', '/api/approvals/%ZZ', 'patti', 404],
    [
      'a malformed escape in the Durable API',
      '/runtime/webhooks/durabletask/instances/%E0%A4%A',
      'system',
      404,
    ],
    ['a dashboard file named like an Object member', '/_dashboard/__proto__', 'system', 404],
    ['another', '/_dashboard/constructor', 'system', 404],
    ['a huge top', '/runtime/webhooks/durabletask/instances?top=1e308', 'system', 400],
    ['a garbage continuation token', '/api/approvals?continuationToken=garbage', 'patti', 400],
    [
      'a continuation token of the wrong shape',
      `/api/approvals?continuationToken=${btoa('[1]')}`,
      'patti',
      400,
    ],
    ['an instance id a URL cannot carry', '/api/dashboard/instances/%00', 'system', 404],
  ])('%s: %s → %i', async (_what, path, who, status) => {
    const client = who === 'system' ? host.system : host.as(who);
    const res = await client.get<{ error?: string }>(path);
    expect(res.status).toBe(status);
    if (status === 400) expect(res.body.error).toMatch(/top|continuationToken/);
  });
});

describe('/api/messages', () => {
  const invoke = (name: string) => ({
    type: 'invoke',
    name,
    channelId: 'msteams',
    serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: 'a:fuzz', tenantId: '00000000-0000-0000-0000-0000000000c0' },
    from: { id: '29:fuzz', aadObjectId: '00000000-0000-0000-0000-00000000b001' },
    recipient: { id: '28:signoff' },
    value: {},
  });

  it('answers 501 to an invoke the bot does not handle, as the Bot Framework does', async () => {
    const res = await host.post('/api/messages', invoke('composeExtension/fetchTask'));
    expect(res.status).toBe(501);
  });

  it('answers 400 naming the field to an activity the bot cannot answer', async () => {
    const { serviceUrl: _, ...noServiceUrl } = invoke('adaptiveCard/action');
    const res = await host.post<{ error: string }>('/api/messages', noServiceUrl);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('activity.serviceUrl');
  });

  it('answers 413 to an activity over the limit (SIGNOFF_MAX_JSON_BYTES, 1 MiB by default) without reading it as one', async () => {
    const huge = { ...invoke('adaptiveCard/action'), value: { comment: 'x'.repeat(1100 * 1024) } };
    const res = await host.post<{ error: string }>('/api/messages', huge);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/limit is 1048576/);
  });
});

describe('JSON bodies of the app', () => {
  it('answers 413 to a body over the limit (SIGNOFF_MAX_JSON_BYTES, 1 MiB by default), before validating it', async () => {
    const res = await host.as('patti').post<{ error: string; code: string }>('/api/approvals/loan', {
      details: { applicant: 'x'.repeat(1100 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });
});
