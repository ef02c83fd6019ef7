/**
 * The door of every HTTP function that people and clients call (not `/api/messages`, which the Bot
 * Framework authenticates, nor `/api/health`, which is public):
 * - a request that changes state from a foreign `Origin` gets 403: a web page elsewhere must not
 *   act with a signed-in user's browser (allowed: the app's own origin and
 *   `SIGNOFF_ALLOWED_ORIGINS`, a comma-separated list such as a Teams tab's origin);
 * - without a signed-in user, 401 (the platform validates tokens; see principal.ts);
 * - a thrown validation error becomes 400 naming each field, a body that is not JSON 415.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest } from './body';
import { type Caller, callerOf } from './principal';

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type UserHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
) => Promise<HttpResponseInit>;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function problem(
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
): HttpResponseInit {
  return { status, jsonBody: { error, ...extra } };
}

/** The origins allowed to change state besides the app's own. */
function allowedOrigins(): string[] {
  return (process.env.SIGNOFF_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/** The foreign origin of a state-changing request, if it has one. */
export function foreignOrigin(request: HttpRequest): string | undefined {
  if (!STATE_CHANGING.has(request.method.toUpperCase())) return undefined;
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  if (origin === new URL(request.url).origin || allowedOrigins().includes(origin)) return undefined;
  return origin;
}

/** Wraps a handler that needs a signed-in user; `mapError` turns domain errors into answers. */
export function forUsers(
  handler: UserHandler,
  mapError: (error: unknown) => HttpResponseInit | undefined = () => undefined,
): HttpHandler {
  return async (request, context) => {
    const foreign = foreignOrigin(request);
    if (foreign) return problem(403, `Requests from ${foreign} may not change anything here`);
    const caller = callerOf(request);
    if (!caller) {
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer' },
        jsonBody: { error: 'Sign in first: send a bearer token (Authorization: Bearer ...)' },
      };
    }
    try {
      return await handler(request, context, caller);
    } catch (error) {
      return mapError(error) ?? badRequest(error);
    }
  };
}
