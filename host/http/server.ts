/**
 * host/http/: the host's HTTP front door, where every request comes in and is let in or not.
 *
 * This file serves it: admin endpoints, the Durable HTTP API, and the app's HTTP triggers (route
 * templates, methods, auth keys), invoked through the programming model.
 */
import type http from 'node:http';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { JWTPayload } from 'jose';
import { TokenError } from '../auth';
import { principalHeaders, stripPrincipalHeaders } from '../auth/principal';
import { sameSecret } from '../auth/secrets';
import { newSessionCookie } from '../auth/session';
import { DASHBOARD_PATH, isDashboardPath, serveDashboard, signInPage } from '../dashboard/serve';
import {
  type ApiContext,
  clientBindingPayload,
  handleApi,
  keyQueryOf,
  RPC_PATH,
  WEBHOOK_PATH,
} from '../durable/api';
import { VirtualClock } from '../durable/clock';
import { parseDuration } from '../durable/duration';
import type { Engine } from '../durable/engine';
import type { Logger } from '../common/log';
import type { FunctionRegistry, RegisteredFunction, RpcHttpData, RpcParameterBinding } from '../runtime/core';
import { InvocationError, type Invoker } from '../runtime/invoke';
import { activeTraceContext, activeTracer, contextFrom, endSpan } from '../common/telemetry';
import { type AccessContext, adminAccess, hasSystemKey, triggerAccess } from './access';
import { parseRouteTemplate, type RouteTemplate } from './routeTemplate';

const MAX_BODY = 100 * 1024 * 1024;

export interface ServerContext extends AccessContext {
  registry: FunctionRegistry;
  invoker: Invoker;
  engine: Engine;
  api: ApiContext;
  logger: Logger;
  routePrefix: string;
}

interface HttpRoute {
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

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type':
      typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createRequestHandler(ctx: ServerContext) {
  const handle = requestHandler(ctx);
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const tracer = activeTracer();
    if (!tracer) return handle(req, res, undefined);
    const method = (req.method ?? 'GET').toUpperCase();
    const header = req.headers.traceparent;
    const state = req.headers.tracestate;
    const parent = contextFrom(
      typeof header === 'string'
        ? { TraceParent: header, ...(typeof state === 'string' ? { TraceState: state } : {}) }
        : undefined,
    );
    const span = tracer.startSpan(
      `HTTP ${method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': redactedPath(req.url) },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () => handle(req, res, span));
    } finally {
      span.setAttribute('http.response.status_code', res.statusCode);
      endSpan(span, String(res.statusCode), res.statusCode >= 500 ? `HTTP ${res.statusCode}` : undefined);
    }
  };
}

/**
 * The request path as logs and spans may show it: without the query (which can carry `code`) and
 * with the secret segment of the internal durable-client endpoint masked.
 */
export function redactedPath(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] as string;
  return path.startsWith(RPC_PATH) ? path.replace(/^\/durabletask\/[^/]*/, '/durabletask/***') : path;
}

/** Names the server span after the route that matched (`HTTP POST /api/orders/{id:int}`). */
function nameSpan(span: Span | undefined, method: string, route: string): void {
  if (!span) return;
  span.updateName(`HTTP ${method} ${route}`);
  span.setAttribute('http.route', route);
}

/** A Durable API path with its instance id or function name as placeholders. */
function apiRoute(base: string, path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'orchestrators' && parts.length > 1) parts[1] = '{functionName}';
  if (parts[0] === 'orchestrators' && parts.length > 2) parts[2] = '{instanceId}';
  if (parts[0] === 'instances' && parts.length > 1) parts[1] = '{instanceId}';
  if (parts[0] === 'instances' && parts[2]?.toLowerCase() === 'raiseevent' && parts.length > 3)
    parts[3] = '{eventName}';
  return `${base.replace(/\/+$/, '')}/${parts.join('/')}`;
}

function requestHandler(ctx: ServerContext) {
  const routes = httpRoutes(ctx.registry, ctx.routePrefix);
  return async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    span: Span | undefined,
  ): Promise<void> => {
    const started = performance.now();
    try {
      const url = new URL(req.url ?? '/', ctx.origin());
      const path = url.pathname;
      const method = (req.method ?? 'GET').toUpperCase();
      // Only the platform sets the principal headers, whatever a client sent.
      stripPrincipalHeaders(req.headers);
      if (path.startsWith(RPC_PATH)) return await internalApi(ctx, req, res, url, span);

      let claims: JWTPayload | undefined;
      try {
        claims = await ctx.auth.identify(headerOf(req, 'authorization'), path);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        const unreachable = error.problem === 'issuer-unreachable';
        if (unreachable) ctx.logger.warn({ err: error }, 'identity provider unreachable');
        return send(
          res,
          unreachable ? 503 : 401,
          { error: error.message, problem: error.problem },
          {
            'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`,
          },
        );
      }

      if (path.startsWith('/admin/') || path === '/admin') {
        const access = adminAccess(ctx, req, url, claims);
        if (!access.ok) return send(res, access.status, { error: access.error });
        return await admin(ctx, req, res, url, await readBody(req));
      }
      if (isDashboardPath(path)) return dashboard(ctx, req, res, url, claims);
      if (path === WEBHOOK_PATH || path.startsWith(`${WEBHOOK_PATH}/`)) {
        const access = adminAccess(ctx, req, url, claims);
        if (!access.ok) return send(res, access.status, { error: access.error });
        const apiPath = path.slice(WEBHOOK_PATH.length).replace(/^\/+|\/+$/g, '');
        nameSpan(span, method, apiRoute(WEBHOOK_PATH, apiPath));
        const keyQuery = access.via === 'key' ? keyQueryOf(ctx.keys.systemKey) : '';
        return await durableApi(ctx, req, res, url, apiPath, keyQuery);
      }

      let methodMismatch = false;
      for (const route of routes) {
        const params = route.template.match(path);
        if (!params) continue;
        if (route.methods && !route.methods.has(method)) {
          methodMismatch = true;
          continue;
        }
        nameSpan(span, method, `/${route.template.template}`);
        const access = triggerAccess(ctx, route.authLevel, req, url);
        if (!access.ok) return send(res, access.status, { error: access.error });
        return await invokeHttp(ctx, route.fn, req, res, url, params, await readBody(req), claims);
      }
      if (methodMismatch) return send(res, 405, { error: `Method ${method} is not allowed on ${path}` });
      return send(res, 404, { error: `No function is registered for ${path}` });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      ctx.logger.error({ err: error, path: redactedPath(req.url) }, 'request failed in the host');
      if (!res.headersSent)
        send(res, status, { error: status === 413 ? 'Request body too large' : 'Internal host error' });
    } finally {
      ctx.logger.debug(
        {
          method: req.method,
          path: redactedPath(req.url),
          status: res.statusCode,
          ms: performance.now() - started,
        },
        'http',
      );
    }
  };
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function durableApi(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  apiPath: string,
  keyQuery: string,
): Promise<void> {
  const result = await handleApi(ctx.api, {
    method: req.method ?? 'GET',
    path: apiPath,
    query: url.searchParams,
    headers: req.headers,
    body: await readBody(req),
    origin: ctx.origin(),
    keyQuery,
  });
  return send(res, result.status, result.body, result.headers);
}

/**
 * The app's durable client (`rpcBaseUrl`): the Durable API under `/durabletask/<secret>/`. Without
 * the secret the path does not exist.
 */
async function internalApi(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  span: Span | undefined,
): Promise<void> {
  const rest = url.pathname.slice(RPC_PATH.length);
  const slash = rest.indexOf('/');
  const secret = slash < 0 ? rest : rest.slice(0, slash);
  if (!sameSecret(secret, ctx.api.rpcSecret)) return send(res, 404, { error: 'Not found' });
  const apiPath = (slash < 0 ? '' : rest.slice(slash)).replace(/^\/+|\/+$/g, '');
  nameSpan(span, (req.method ?? 'GET').toUpperCase(), apiRoute(RPC_PATH, apiPath));
  return durableApi(ctx, req, res, url, apiPath, keyQueryOf(ctx.keys.systemKey));
}

/**
 * The dashboard: signed in by the system key once (`?code=`, which becomes a session cookie and
 * leaves the address bar), by a session, or by an admin token.
 */
function dashboard(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  claims: JWTPayload | undefined,
): void {
  if (url.searchParams.has('code')) {
    if (!hasSystemKey(ctx, req, url)) {
      res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(signInPage("That key is not this host's system key."));
      return;
    }
    const clean = new URL(url.href);
    clean.searchParams.delete('code');
    const location = `${clean.pathname === DASHBOARD_PATH ? `${DASHBOARD_PATH}/` : clean.pathname}${clean.search}`;
    res.writeHead(303, {
      Location: location,
      'Set-Cookie': newSessionCookie(ctx.keys.systemKey),
      'Cache-Control': 'no-store',
    });
    res.end();
    return;
  }
  const access = adminAccess(ctx, req, url, claims);
  if (!access.ok) {
    res.writeHead(access.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(signInPage(access.error));
    return;
  }
  serveDashboard(req, res, url);
}

async function invokeHttp(
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
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  if (claims) Object.assign(headers, principalHeaders(claims));
  const httpData: RpcHttpData = {
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    params,
    body: { bytes: body },
  };
  const inputData: RpcParameterBinding[] = [{ name: fn.triggerName, data: { http: httpData } }];
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
    const { response } = await ctx.invoker.invoke({ fn, inputData, traceParent });
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

async function admin(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const engine = ctx.engine;
  const clock = engine.clock;
  if (path === '/admin/host/status' && req.method === 'GET') {
    return send(res, 200, {
      state: 'Running',
      id: 'signoff-host',
      processUptime: Math.round(process.uptime() * 1000),
    });
  }
  if (path === '/admin/host/idle' && req.method === 'GET') {
    await engine.whenIdle();
    return send(res, 200, clockState(engine));
  }
  if (path === '/admin/clock' && req.method === 'GET') return send(res, 200, clockState(engine));
  if (path.startsWith('/admin/clock/')) {
    if (!(clock instanceof VirtualClock)) {
      return send(res, 409, { error: 'The host runs on the real clock; start it with --clock virtual' });
    }
    let args: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        args = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: 'The body must be JSON' });
      }
    }
    if (path === '/admin/clock/advance' && req.method === 'POST') {
      const by = args.by ?? url.searchParams.get('by');
      if (typeof by !== 'string')
        return send(res, 400, { error: 'advance needs "by", an ISO 8601 duration like "P2D"' });
      let ms: number;
      try {
        ms = parseDuration(by);
      } catch (error) {
        return send(res, 400, { error: (error as Error).message });
      }
      await advanceSettled(engine, clock, clock.now() + ms);
      return send(res, 200, clockState(engine));
    }
    if (path === '/admin/clock/autoskip' && req.method === 'POST') {
      if (typeof args.enabled !== 'boolean')
        return send(res, 400, { error: 'autoskip needs {"enabled": true|false}' });
      clock.autoSkip = args.enabled;
      if (clock.autoSkip) engine.clockMoved();
      return send(res, 200, clockState(engine));
    }
  }
  return send(res, 404, { error: `No admin endpoint ${req.method} ${path}` });
}

/** Moves the virtual clock to `target` one due timer at a time, letting the work each one causes settle. */
async function advanceSettled(engine: Engine, clock: VirtualClock, target: number): Promise<void> {
  await engine.whenIdle();
  for (;;) {
    const next = engine.nextTimer;
    if (next === undefined || next > target) break;
    clock.advance(Math.max(0, next - clock.now()));
    engine.clockMoved();
    await engine.whenIdle();
  }
  if (clock.now() < target) clock.advance(target - clock.now());
  engine.clockMoved();
  await engine.whenIdle();
}

function clockState(engine: Engine): Record<string, unknown> {
  const clock = engine.clock;
  const next = engine.nextTimer;
  return {
    kind: clock.kind,
    now: new Date(clock.now()).toISOString(),
    autoSkip: clock instanceof VirtualClock ? clock.autoSkip : false,
    nextTimer: next === undefined ? null : new Date(next).toISOString(),
  };
}
