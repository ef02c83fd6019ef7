/**
 * The door of every HTTP function that people and clients call (not `/api/messages`, which the Bot
 * Framework authenticates, nor `/api/health`, which is public):
 * - a request that changes state from a foreign `Origin` gets 403: a web page elsewhere must not
 *   act with a signed-in user's browser (allowed: the app's own origin and
 *   `SIGNOFF_ALLOWED_ORIGINS`, a comma-separated list such as a Teams tab's origin);
 * - without a signed-in user, 401 (the platform validates tokens; see principal.ts);
 * - a thrown error that is the client's doing becomes a 4xx naming the problem ({@link answerFor}).
 *
 * {@link guarded} gives the same answers to routes that authenticate otherwise (the alerts sink,
 * the dashboard's views).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { isStorageUnavailable } from '../../bot';
import { ValidationError } from '../../domain/validation';
import { BodyTooLargeError, UnsupportedMediaTypeError } from './body';
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

type ErrorMap = (error: unknown) => HttpResponseInit | undefined;

/** What a 503 for a storage outage asks the client to wait, in seconds. */
const RETRY_AFTER_SECONDS = 10;

/**
 * The one place where errors of a request become answers: 400 naming every field of a
 * {@link ValidationError}, 413 for a body too large, 415 for one that is not JSON, 503 with
 * Retry-After while table storage is down, whatever `mapError` answers for the route's own
 * errors. Anything else is a fault of ours: rethrown, logged with the invocation, answered 500.
 */
export function answerFor(error: unknown, mapError: ErrorMap = () => undefined): HttpResponseInit {
  const mapped = mapError(error);
  if (mapped) return mapped;
  if (error instanceof ValidationError)
    return { status: 400, jsonBody: { error: error.message, code: error.code, problems: error.problems } };
  if (error instanceof BodyTooLargeError)
    return { status: 413, jsonBody: { error: error.message, code: error.code } };
  if (error instanceof UnsupportedMediaTypeError)
    return { status: 415, jsonBody: { error: error.message, code: error.code } };
  if (isStorageUnavailable(error)) {
    return {
      status: 503,
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      jsonBody: { error: 'Table storage did not answer; try again shortly', code: 'STORAGE_UNAVAILABLE' },
    };
  }
  throw error;
}

/** Wraps a handler so that bad input is answered by {@link answerFor}. */
export function guarded(handler: HttpHandler, mapError?: ErrorMap): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return answerFor(error, mapError);
    }
  };
}

/** Wraps a handler that needs a signed-in user; `mapError` turns the route's own errors into answers. */
export function forUsers(handler: UserHandler, mapError?: ErrorMap): HttpHandler {
  return guarded(async (request, context) => {
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
    return handler(request, context, caller);
  }, mapError);
}
