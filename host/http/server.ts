/**
 * host/http/: the host's HTTP front door, where every request comes in and is let in or not.
 *
 * This file routes each request, after the platform's authentication: /admin (admin.ts), the
 * dashboard and its sign-in, the Durable HTTP API (and the app's internal durable-client
 * endpoint), and the app's HTTP triggers (triggers.ts). access.ts says who may use what.
 */
import type http from 'node:http';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { JWTPayload } from 'jose';
import { TokenError } from '../auth';
import { stripPrincipalHeaders } from '../auth/principal';
import { sameSecret } from '../auth/secrets';
import { newSessionCookie } from '../auth/session';
import { activeTracer, contextFrom, endSpan } from '../common/telemetry';
import { DASHBOARD_PATH, isDashboardPath, serveDashboard, signInPage } from '../dashboard/serve';
import { handleApi } from '../durable/api';
import { keyQueryOf, RPC_PATH, WEBHOOK_PATH } from '../durable/apiLinks';
import { adminAccess, hasSystemKey, triggerAccess } from './access';
import { admin } from './admin';
import { BodyRefusedError, readBody, send } from './body';
import type { ServerContext } from './context';
import { httpRoutes, invokeHttp } from './triggers';

export type { ServerContext } from './context';
export { httpRoutes } from './triggers';

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
        return await admin(ctx, req, res, url, await readBody(req, res));
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
        return await invokeHttp(ctx, route.fn, req, res, url, params, await readBody(req, res), claims);
      }
      if (methodMismatch) return send(res, 405, { error: `Method ${method} is not allowed on ${path}` });
      return send(res, 404, { error: `No function is registered for ${path}` });
    } catch (error) {
      // A body over a limit was answered where it was read: the client's doing, not a failure.
      if (error instanceof BodyRefusedError && error.answered) {
        ctx.logger.info(
          { path: redactedPath(req.url), status: error.status, ...error.details },
          error.message,
        );
        return;
      }
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
    body: await readBody(req, res),
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
