/**
 * Malformed requests for every route a running host serves, generated with fast-check: the app's
 * HTTP triggers (as the host's start banner lists them), the Durable HTTP API, `/api/messages`,
 * `/admin/*` and the dashboard. Each request is sent as is; the property is that nothing answers
 * 5xx (bad input is a 4xx naming the problem), except 501 where the Bot Framework convention
 * wants it (an invoke no handler knows) and 503 when the host sheds load.
 *
 * Used by test/fuzz.test.ts (a few hundred cases) and `npm run soak -- fuzz --n 20000`.
 */
import http from 'node:http';
import fc from 'fast-check';
import type { TestHost } from '../../host/testing';

export interface Route {
  methods: string[];
  /** The route template, e.g. `api/approvals/{id}/decision`. */
  template: string;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzFailure {
  request: { method: string; path: string; headers: Record<string, string>; body?: string };
  status: number;
  answer: string;
}

/** The app's HTTP routes, as the host's banner lists them (`  name: [GET,POST] http://.../api/x`). */
export function routesOf(host: TestHost): Route[] {
  const routes: Route[] = [];
  for (const line of host.logs) {
    const m = /^ {2}\w+: \[([A-Z,]+)\] https?:\/\/[^/]+\/(.*)$/.exec(line);
    if (m) routes.push({ methods: (m[1] as string).split(','), template: m[2] as string });
  }
  return routes;
}

/** The host's own routes, which the banner does not list. */
const HOST_ROUTES: Route[] = [
  { methods: ['POST'], template: 'runtime/webhooks/durabletask/orchestrators/{name}/{id?}' },
  { methods: ['GET', 'DELETE'], template: 'runtime/webhooks/durabletask/instances/{id?}' },
  {
    methods: ['POST'],
    template: 'runtime/webhooks/durabletask/instances/{id}/{operation}/{event?}',
  },
  { methods: ['GET', 'POST'], template: 'admin/{what}/{more?}' },
  { methods: ['GET'], template: '_dashboard/{file}/{more?}' },
  { methods: ['GET', 'POST'], template: 'durabletask/{secret}/instances/{id?}' },
];

const NASTY = [
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%00',
  '..',
  '.',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '@entity',
  '',
  ' ',
  'a/b',
  'a%2Fb',
  '\u0000',
  '💥',
  'x'.repeat(600),
  '1e308',
  '-1',
  'NaN',
  'null',
  'loan-xxxxxxxx',
  'approvalWorkflow',
  'loan',
  'generic',
  'raiseEvent',
  'terminate',
  'rewind',
  'restart',
  'clock',
  'host',
  'app',
  'index.html',
  'main.js',
];

/** A path segment: nasty, random, plausible, or (when the run has them) the id of a live request. */
const segmentArb = (ids: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/) },
    { weight: ids.length ? 3 : 0, arbitrary: fc.constantFrom(...(ids.length ? ids : ['none'])) },
  );

/**
 * A segment as a client could send it: percent-encoded, or as written (malformed escapes and all)
 * with only what a request line cannot carry encoded (Node refuses the rest).
 */
const encodeSegment = (s: string, raw: boolean) =>
  raw ? s.replace(/[^\u0021-\u00ff]|[#?/\\]/gu, (c) => encodeURIComponent(c)) : encodeURIComponent(s);

const QUERY_KEYS = [
  'top',
  'continuationToken',
  'pageSize',
  'status',
  'runtimeStatus',
  'createdTimeFrom',
  'createdTimeTo',
  'showHistory',
  'showHistoryOutput',
  'showInput',
  'instanceIdPrefix',
  'reason',
  'timeout',
  'pollingInterval',
  'requester',
  'approver',
  'awaiting',
  'code',
  'by',
  'restartWithNewInstanceId',
  'closedDays',
  'now',
];
const QUERY_VALUES = [
  '1e308',
  '-1',
  '0',
  'NaN',
  '',
  'true',
  'garbage',
  '%ZZ',
  '2026-13-45',
  'x'.repeat(3000),
];

const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })),
      fc.oneof(fc.constantFrom(...QUERY_VALUES), fc.string({ maxLength: 30 })),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeSegment(v, v.startsWith('%'))}`).join('&'),
  );

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const activityLike = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('message', 'invoke', 'conversationUpdate', 'installationUpdate'),
      fc.string(),
    ),
    name: fc.oneof(
      fc.constantFrom('adaptiveCard/action', 'composeExtension/query', 'task/fetch'),
      fc.string(),
    ),
    channelId: fc.constantFrom('msteams', 'webchat', ''),
    serviceUrl: fc.constantFrom('http://127.0.0.1:9/', '', 'not a url'),
    text: fc.string(),
    from: fc.record({ id: fc.string(), aadObjectId: fc.string() }, { requiredKeys: [] }),
    conversation: fc.record({ id: fc.string(), tenantId: fc.string() }, { requiredKeys: [] }),
    value: jsonValue,
  },
  { requiredKeys: [] },
);
/** A field that is right, or wrong in one of the ways clients get it wrong. */
const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 3, arbitrary: good as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.constantFrom(null, '', -1, 0, 1e308, 'x'.repeat(5000), [], {}, true) },
    { weight: 1, arbitrary: jsonValue },
  );
/** Bodies close to what the approvals API takes, so that validation, not parsing, is what is tested. */
const nearlyValid = fc.oneof(
  fc.record(
    {
      details: fc.record(
        {
          applicant: maybe(fc.string({ minLength: 1, maxLength: 30 })),
          amount: maybe(fc.integer({ min: 1, max: 2_000_000 })),
          currency: maybe(fc.constantFrom('EUR', 'usd', 'EURO')),
          purpose: maybe(fc.string({ minLength: 1, maxLength: 30 })),
          termMonths: maybe(fc.integer({ min: 1, max: 600 })),
          title: maybe(fc.string({ minLength: 1, maxLength: 30 })),
        },
        { requiredKeys: [] },
      ),
      requester: fc.constantFrom(undefined, 'someone-else'),
    },
    { requiredKeys: ['details'] },
  ),
  fc.record(
    {
      decision: maybe(fc.constantFrom('approve', 'reject')),
      comment: maybe(fc.string({ maxLength: 50 })),
      approverId: fc.constantFrom(undefined, 'someone-else'),
    },
    { requiredKeys: ['decision'] },
  ),
);
const bodyArb = fc.oneof(
  { weight: 3, arbitrary: nearlyValid.map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 3, arbitrary: jsonValue.map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 2, arbitrary: activityLike.map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"details":', '{"decision":"approve"}', '[]', 'null', '1e308')
      .map(Buffer.from),
  },
);

export interface Credentials {
  systemKey: string;
  /** Bearer tokens of signed-in users (a requester, an approver, an admin). */
  tokens: string[];
  /** Ids of requests that exist, to aim some requests at real instances. */
  ids?: string[];
}

function requestArb(routes: Route[], credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  const all = [...routes, ...HOST_ROUTES];
  const segment = segmentArb(credentials.ids ?? []);
  const auth = fc.oneof(
    fc.constant<Record<string, string>>({}),
    {
      weight: 4,
      arbitrary: fc.constantFrom(...credentials.tokens).map((t) => ({ authorization: `Bearer ${t}` })),
    },
    { weight: 2, arbitrary: fc.constant({ 'x-functions-key': credentials.systemKey }) },
    fc.string({ maxLength: 60 }).map((t) => ({ authorization: `Bearer ${t}` })),
    fc.constant({ authorization: 'Bearer a.b.c' }),
  );
  const extraHeaders = fc.record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
      origin: fc.constantFrom('https://evil.example', 'null'),
      'x-ms-continuation-token': fc.oneof(fc.string({ maxLength: 40 }), fc.constant('eyJjIjoiYSJ9')),
      'x-ms-client-principal': fc.constant('eyJ9'),
      'idempotency-key': fc.string({ maxLength: 40 }),
      traceparent: fc.string({ maxLength: 60 }),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({
      route: fc.constantFrom(...all),
      method: fc.oneof(
        { weight: 5, arbitrary: fc.constant('') },
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      ),
      segments: fc.array(segment, { minLength: 4, maxLength: 4 }),
      raw: fc.boolean(),
      query,
      auth,
      extra: extraHeaders,
      body: fc.option(bodyArb, { nil: undefined }),
    })
    .map(({ route, method, segments, raw, query: q, auth: a, extra, body }) => {
      let i = 0;
      const path = route.template
        .split('/')
        .flatMap((part) => {
          if (!/^\{.*\}$/.test(part)) return [part];
          const value = segments[i++ % segments.length] as string;
          if (part.endsWith('?}') && value === '') return [];
          return [encodeSegment(value, raw)];
        })
        .join('/');
      const chosen = method || (route.methods[0] as string);
      return {
        method: chosen,
        path: `/${path}${q ? `?${q}` : ''}`,
        headers: { ...a, ...extra },
        body: chosen === 'GET' ? undefined : body,
      };
    });
}

/** Sends one request exactly as generated (node:http does not normalise the path). */
export function send(base: string, r: FuzzRequest): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** 5xx that are not a server error: the Bot Framework's 501 for an invoke nobody handles, load shedding. */
export function acceptable(r: FuzzRequest, status: number): boolean {
  if (status < 500) return true;
  if (status === 501 && r.path.startsWith('/api/messages')) return true;
  return status === 503 && !r.path.startsWith('/api/health');
}

/** Runs `n` generated requests against `host`; returns the failures (empty when all were 4xx or better). */
export async function fuzz(
  host: TestHost,
  credentials: Credentials,
  options: { n: number; seed?: number },
): Promise<{ runs: number; failures: FuzzFailure[]; statuses: Record<string, number> }> {
  const failures: FuzzFailure[] = [];
  const statuses: Record<string, number> = {};
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(requestArb(routesOf(host), credentials), async (r) => {
      runs++;
      const res = await send(host.url, r);
      statuses[String(res.status)] = (statuses[String(res.status)] ?? 0) + 1;
      if (!acceptable(r, res.status)) {
        failures.push({
          request: { ...r, path: r.path.slice(0, 300), body: r.body?.toString('utf8').slice(0, 300) },
          status: res.status,
          answer: res.body.slice(0, 300),
        });
      }
      return true;
    }),
    { numRuns: options.n, seed: options.seed, endOnFailure: false },
  );
  return { runs, failures, statuses };
}
