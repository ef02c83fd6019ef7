/**
 * The app's HTTP triggers: their routes (route templates, methods, auth level) and an invocation
 * through the programming model, with the request as RPC HTTP data (and the principal headers
 * for a validated token) and the answer from the function's http output.
 */
import type http from 'node:http';
import type { JWTPayload } from 'jose';
import { principalHeaders } from '../auth/principal';
import { activeTraceContext } from '../common/telemetry';
import { clientBindingPayload } from '../durable/apiLinks';
import type {
  FunctionRegistry,
  RegisteredFunction,
  RpcHttpData,
  RpcParameterBinding,
  RpcTypedData,
} from '../runtime/core';
import { InvocationError } from '../runtime/invoke';
import { send } from './body';
import type { ServerContext } from './context';
import { parseRouteTemplate, type RouteTemplate } from './routeTemplate';

export interface HttpRoute {
  fn: RegisteredFunction;
  template: RouteTemplate;
  methods: Set<string> | undefined;
  authLevel: string;
}

export function httpRoutes(registry: FunctionRegistry, routePrefix: string): HttpRoute[] {
  return registry.byTriggerType('httpTrigger').map((fn) => {
    const t = fn.trigger as { route?: string; methods?: string[]; authLevel?: string };
    const route = [routePrefix, t.route ?? fn.name].filter(Boolean).join('/');
    return {
      fn,
      template: parseRouteTemplate(route),
      methods: t.methods?.length ? new Set(t.methods.map((m) => m.toUpperCase())) : undefined,
      authLevel: (t.authLevel ?? 'function').toLowerCase(),
    };
  });
}

/**
 * RPC HTTP data as the Functions host sends it to the Node worker, which declares
 * `UseNullableValueDictionaryForHttp`: headers, query and route parameters as plain and as
 * nullable maps (every @azure/functions 4.x reads one or the other).
 */
type WorkerHttpData = RpcHttpData & {
  nullableHeaders: Record<string, { value: string }>;
  nullableQuery: Record<string, { value: string }>;
  nullableParams: Record<string, { value: string }>;
};

const nullable = (map: Record<string, string>) =>
  Object.fromEntries(Object.entries(map).map(([k, value]) => [k, { value }]));

/** The query as the host's map carries it: one entry per name, repeated values joined by commas. */
function queryMap(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name).join(',');
  return query;
}

export async function invokeHttp(
  ctx: ServerContext,
  fn: RegisteredFunction,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
  claims: JWTPayload | undefined,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    // As the Functions host sends them to a worker that ignores empty-valued headers.
    const value = Array.isArray(v) ? v.join(', ') : v;
    if (value) headers[k] = value;
  }
  if (claims) Object.assign(headers, principalHeaders(claims));
  const query = queryMap(url);
  const httpData: WorkerHttpData = {
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    nullableHeaders: nullable(headers),
    query,
    nullableQuery: nullable(query),
    params,
    nullableParams: nullable(params),
    // No body at all when the request has none: @azure/functions before 4.5 would otherwise
    // build a GET with an (empty) body, which undici refuses.
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  };
  const inputData: RpcParameterBinding[] = [{ name: fn.triggerName, data: { http: httpData } }];
  const triggerMetadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(query) },
    Headers: { json: JSON.stringify(headers) },
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { string: v }])),
  };
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (
      binding.direction === 'in' &&
      (binding.type === 'durableClient' || binding.type === 'orchestrationClient')
    ) {
      inputData.push({ name, data: { string: JSON.stringify(clientBindingPayload(ctx.api, ctx.origin())) } });
    }
  }
  try {
    // Inside the server span (when telemetry is on), so that a durable client call the function
    // makes carries it; the invocation's traceContext names the same span.
    const traceParent = activeTraceContext()?.TraceParent ?? headers.traceparent;
    const { response } = await ctx.invoker.invoke({ fn, inputData, triggerMetadata, traceParent });
    const outName = Object.entries(fn.metadata.bindings).find(
      ([, b]) => b.direction === 'out' && b.type === 'http',
    )?.[0];
    const out =
      outName === '$return'
        ? response.returnValue?.http
        : response.outputData?.find((o) => o.name === outName)?.data?.http;
    if (!out) {
      res.writeHead(204);
      res.end();
      return;
    }
    const status = Number(out.statusCode ?? 200) || 200;
    const outHeaders: Record<string, string | string[]> = { ...(out.headers ?? {}) };
    const cookies = (out.cookies ?? []) as Array<Record<string, unknown>>;
    if (cookies.length > 0) outHeaders['Set-Cookie'] = cookies.map(formatCookie);
    res.writeHead(status, outHeaders);
    const bytes =
      out.body?.bytes ?? (typeof out.body?.string === 'string' ? Buffer.from(out.body.string) : undefined);
    res.end(bytes ? Buffer.from(bytes) : undefined);
  } catch (error) {
    if (!(error instanceof InvocationError)) throw error;
    ctx.logger.error(
      { function: fn.name, invocationId: error.invocationId, err: error.original },
      'HTTP function threw an error',
    );
    send(res, 500, { error: `Function '${fn.name}' failed`, invocationId: error.invocationId });
  }
}

function formatCookie(c: Record<string, unknown>): string {
  const parts = [`${String(c.name)}=${String(c.value ?? '')}`];
  const nullable = (v: unknown) =>
    v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  const domain = nullable(c.domain);
  const path = nullable(c.path);
  const maxAge = nullable(c.maxAge);
  if (domain) parts.push(`Domain=${String(domain)}`);
  if (path) parts.push(`Path=${String(path)}`);
  if (maxAge !== undefined && maxAge !== null) parts.push(`Max-Age=${String(maxAge)}`);
  if (c.secure) parts.push('Secure');
  if (c.httpOnly) parts.push('HttpOnly');
  return parts.join('; ');
}
