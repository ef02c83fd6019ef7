/**
 * Who gets in, as a table: every route of the app and of the host × every kind of caller, with
 * the status each must get, through the real HTTP surface of a running host. Tokens come from a
 * real OpenID issuer on loopback (test/support/issuer.ts) that the host discovers and validates
 * as it would Entra ID; the bad ones are each wrong in one way.
 *
 * The request under test is a 50,000 EUR loan: stage 1 is Megan's (manager), stage 2 the risk
 * officers' (Alex, Diego). Patti asks; Isaiah has the Approvals.Admin role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, request, startTestHost, type TestHost } from '../host/testing';
import { type EntraLikeClaims, startIssuer, type TestIssuer } from './support/issuer';

const AUDIENCE = 'api://signoff-access-test';
const people = {
  patti: {
    oid: '00000000-0000-0000-0000-00000000b001',
    name: 'Patti Fernandez',
    preferred_username: 'patti@contoso.example',
  },
  megan: {
    oid: '00000000-0000-0000-0000-00000000a001',
    name: 'Megan Bowen',
    preferred_username: 'megan@contoso.example',
  },
  alex: {
    oid: '00000000-0000-0000-0000-00000000a003',
    name: 'Alex Wilber',
    preferred_username: 'alex@contoso.example',
  },
  isaiah: {
    oid: '00000000-0000-0000-0000-00000000e001',
    name: 'Isaiah Langer',
    preferred_username: 'isaiah@contoso.example',
    roles: ['Approvals.Admin'],
  },
} satisfies Record<string, EntraLikeClaims>;

const CALLERS = [
  'no token',
  'expired',
  'wrong audience',
  'wrong issuer',
  'forged signature',
  'requester',
  'approver of this stage',
  'approver of another stage',
  'admin',
] as const;
type CallerKind = (typeof CALLERS)[number];

let issuer: TestIssuer;
let otherIssuer: TestIssuer;
let host: TestHost;
const tokens = new Map<CallerKind, string | undefined>();

beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  otherIssuer = await startIssuer(AUDIENCE);
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    env: { SIGNOFF_AUTH_ISSUER: issuer.url, SIGNOFF_AUTH_AUDIENCE: AUDIENCE },
  });
  tokens.set('no token', undefined);
  tokens.set('expired', await issuer.token(people.patti, { expiresIn: -600 }));
  tokens.set('wrong audience', await issuer.token({ ...people.patti, aud: 'api://another-app' }));
  tokens.set('wrong issuer', await otherIssuer.token(people.patti));
  tokens.set('forged signature', await issuer.forged(people.isaiah));
  tokens.set('requester', await issuer.token(people.patti));
  tokens.set('approver of this stage', await issuer.token(people.megan));
  tokens.set('approver of another stage', await issuer.token(people.alex));
  tokens.set('admin', await issuer.token(people.isaiah));
});

afterAll(async () => {
  await host?.stop();
  await issuer?.stop();
  await otherIssuer?.stop();
});

function call(caller: CallerKind, method: string, path: string, body?: unknown): Promise<HttpResult> {
  const token = tokens.get(caller);
  return request(host.url, method, path, body, token ? { authorization: `Bearer ${token}` } : {});
}

const LOAN = {
  details: { applicant: 'Patti Fernandez', amount: 50_000, currency: 'EUR', purpose: 'van', termMonths: 36 },
};

/** A new request at stage 1, asked by Patti. */
async function freshRequest(): Promise<string> {
  const res = await call('requester', 'POST', '/api/approvals/loan', LOAN);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
  return (res.body as { id: string }).id;
}

interface Route {
  name: string;
  /** Makes the request for one caller (a fresh approval request first, for routes that change it). */
  send(caller: CallerKind): Promise<HttpResult>;
  expected: Record<CallerKind, number>;
}

/** Every bad token gets 401, wherever it is sent: the platform refuses it before the app runs. */
const badTokens = {
  expired: 401,
  'wrong audience': 401,
  'wrong issuer': 401,
  'forged signature': 401,
} as const;

function expect4(
  none: number,
  requester: number,
  thisStage: number,
  otherStage: number,
  admin: number,
): Record<CallerKind, number> {
  return {
    'no token': none,
    ...badTokens,
    requester,
    'approver of this stage': thisStage,
    'approver of another stage': otherStage,
    admin,
  };
}

let shared = '';
const sharedRequest = async () => {
  shared ||= await freshRequest();
  return shared;
};

const ROUTES: Route[] = [
  {
    name: 'GET /api/health (public)',
    send: (c) => call(c, 'GET', '/api/health'),
    expected: expect4(200, 200, 200, 200, 200),
  },
  {
    name: 'POST /api/approvals/loan',
    send: (c) => call(c, 'POST', '/api/approvals/loan', LOAN),
    expected: expect4(401, 202, 202, 202, 202),
  },
  {
    name: 'GET /api/approvals/{id}',
    send: async (c) => call(c, 'GET', `/api/approvals/${await sharedRequest()}`),
    expected: expect4(401, 200, 200, 404, 200),
  },
  {
    name: 'GET /api/approvals (own requests)',
    send: (c) => call(c, 'GET', '/api/approvals'),
    expected: expect4(401, 200, 200, 200, 200),
  },
  {
    name: "GET /api/approvals?requester=<Patti> (someone's list)",
    send: (c) => call(c, 'GET', `/api/approvals?requester=${people.patti.oid}`),
    expected: expect4(401, 200, 403, 403, 200),
  },
  {
    name: 'POST /api/approvals/{id}/decision',
    send: async (c) =>
      call(c, 'POST', `/api/approvals/${await freshRequest()}/decision`, { decision: 'approve' }),
    expected: expect4(401, 403, 202, 404, 403),
  },
  {
    name: 'POST /api/approvals/{id}/cancel',
    send: async (c) => call(c, 'POST', `/api/approvals/${await freshRequest()}/cancel`),
    expected: expect4(401, 202, 403, 404, 202),
  },
  {
    name: 'PUT /api/patterns/inventory/{sku}',
    send: (c) => call(c, 'PUT', '/api/patterns/inventory/access-test', { available: 3 }),
    expected: expect4(401, 200, 200, 200, 200),
  },
  {
    name: 'POST /api/alerts (function key only)',
    send: (c) => call(c, 'POST', '/api/alerts', {}),
    expected: expect4(401, 401, 401, 401, 401),
  },
  {
    name: 'GET /runtime/webhooks/durabletask/instances',
    send: (c) => call(c, 'GET', '/runtime/webhooks/durabletask/instances'),
    expected: expect4(401, 403, 403, 403, 200),
  },
  {
    name: 'POST /runtime/webhooks/durabletask/instances/{id}/terminate',
    send: async (c) =>
      call(
        c,
        'POST',
        `/runtime/webhooks/durabletask/instances/${await freshRequest()}/terminate?reason=test`,
      ),
    expected: expect4(401, 403, 403, 403, 202),
  },
  {
    name: 'GET /admin/clock',
    send: (c) => call(c, 'GET', '/admin/clock'),
    expected: expect4(401, 403, 403, 403, 200),
  },
  {
    name: 'GET /_dashboard/',
    send: (c) => call(c, 'GET', '/_dashboard/'),
    expected: expect4(401, 403, 403, 403, 200),
  },
];

describe('who gets in', () => {
  for (const route of ROUTES) {
    it(route.name, async () => {
      const actual = {} as Record<CallerKind, number>;
      for (const caller of CALLERS) actual[caller] = (await route.send(caller)).status;
      expect(actual).toEqual(route.expected);
    });
  }

  it('says what is wrong with a refused token', async () => {
    const problems: Record<string, unknown> = {};
    for (const caller of ['expired', 'wrong audience', 'wrong issuer', 'forged signature'] as const) {
      const res = await call(caller, 'GET', '/api/approvals');
      problems[caller] = (res.body as { problem?: string }).problem;
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
    expect(problems).toEqual({
      expired: 'expired',
      'wrong audience': 'wrong-audience',
      'wrong issuer': 'wrong-issuer',
      'forged signature': 'bad-signature',
    });
  });

  it('never hands the system key to a caller who did not present it', async () => {
    const res = await call('admin', 'POST', '/runtime/webhooks/durabletask/orchestrators/approvalWorkflow');
    expect(res.status).toBe(202);
    expect(JSON.stringify(res.body)).not.toContain('code=');
    const started = await call('requester', 'POST', '/api/approvals/loan', LOAN);
    expect(JSON.stringify(started.body)).not.toContain('code=');
    expect(JSON.stringify(started.body)).not.toContain(host.systemKey);
    const keyed = await host.system.post<Record<string, string>>(
      '/runtime/webhooks/durabletask/orchestrators/approvalWorkflow',
    );
    expect(keyed.body.statusQueryGetUri).toContain(`code=${encodeURIComponent(host.systemKey)}`);
  });
});
