/**
 * Who may use what on the host's front door, as the Functions host decides it:
 * - the host's own surface (management API, `/admin/*`, the dashboard) needs the system key
 *   (`code` query parameter or `x-functions-key` header), a token with one of the app's admin
 *   roles, or a dashboard session; a request that changes state from a foreign `Origin` is
 *   refused, since a session is a cookie;
 * - HTTP triggers by their `authLevel`: `anonymous` for everyone (the app checks the principal),
 *   `function` with the function key or the system key, `admin` with the system key or a
 *   dashboard session (which stands for the system key, so that the dashboard can call the app's
 *   views, host/dashboard/README.md): for reading, or to change state from this host's own origin.
 */
import type http from 'node:http';
import type { JWTPayload } from 'jose';
import type { PlatformAuth } from '../auth';
import { type HostKeys, sameSecret } from '../auth/secrets';
import { hasSession } from '../auth/session';

export interface AccessContext {
  auth: PlatformAuth;
  keys: HostKeys;
  origin(): string;
}

export type Access =
  | { ok: true; via: 'key' | 'token' | 'session' }
  | { ok: false; status: 401 | 403; error: string };

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The key the request presents, if any (`code` wins over the header, as in Azure). */
export function presentedKey(req: http.IncomingMessage, url: URL): string | undefined {
  return url.searchParams.get('code') ?? header(req, 'x-functions-key');
}

export function hasSystemKey(ctx: AccessContext, req: http.IncomingMessage, url: URL): boolean {
  return sameSecret(presentedKey(req, url), ctx.keys.systemKey);
}

/** A state-changing request whose `Origin` is not this host's. */
export function isForeignOrigin(ctx: AccessContext, req: http.IncomingMessage): boolean {
  const origin = header(req, 'origin');
  if (origin === undefined || !STATE_CHANGING.has((req.method ?? 'GET').toUpperCase())) return false;
  return origin !== ctx.origin();
}

export function adminAccess(
  ctx: AccessContext,
  req: http.IncomingMessage,
  url: URL,
  claims: JWTPayload | undefined,
): Access {
  if (isForeignOrigin(ctx, req)) {
    return {
      ok: false,
      status: 403,
      error: `Requests from ${header(req, 'origin')} may not change anything here`,
    };
  }
  if (hasSystemKey(ctx, req, url)) return { ok: true, via: 'key' };
  if (ctx.auth.isAdmin(claims)) return { ok: true, via: 'token' };
  if (hasSession(header(req, 'cookie'), ctx.keys.systemKey)) return { ok: true, via: 'session' };
  if (claims) {
    const roles = ctx.auth.adminRoles;
    return {
      ok: false,
      status: 403,
      error: roles.length
        ? `This needs the system key or a token with the role ${roles.join(' or ')}`
        : 'This needs the system key',
    };
  }
  return {
    ok: false,
    status: 401,
    error: 'This needs the system key (code query parameter or x-functions-key header) or an admin token',
  };
}

/** Whether an HTTP trigger of `authLevel` may be invoked by this request. */
export function triggerAccess(
  ctx: AccessContext,
  authLevel: string,
  req: http.IncomingMessage,
  url: URL,
): Access {
  if (authLevel === 'anonymous') return { ok: true, via: 'token' };
  if (hasSystemKey(ctx, req, url)) return { ok: true, via: 'key' };
  if (authLevel === 'function' && sameSecret(presentedKey(req, url), ctx.keys.functionKey)) {
    return { ok: true, via: 'key' };
  }
  if (authLevel === 'admin' && hasSession(header(req, 'cookie'), ctx.keys.systemKey)) {
    // A session is a cookie: it reads, and changes state only from this host's own origin.
    const origin = header(req, 'origin');
    if (!STATE_CHANGING.has((req.method ?? 'GET').toUpperCase()) || origin === ctx.origin()) {
      return { ok: true, via: 'session' };
    }
    return {
      ok: false,
      status: 403,
      error: `A dashboard session changes state only from ${ctx.origin()}, not from ${origin ?? 'a request without Origin'}`,
    };
  }
  return {
    ok: false,
    status: 401,
    error:
      authLevel === 'admin'
        ? 'This function needs the system key (code query parameter or x-functions-key header)'
        : 'This function needs a function key (code query parameter or x-functions-key header)',
  };
}
