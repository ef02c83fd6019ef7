/**
 * Request bodies at the app's HTTP boundary: JSON only (415 for anything else), and the answers
 * for bad input (400 naming each field, via the domain's ValidationError).
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { TerminalError } from '../../domain/errors';
import { ValidationError } from '../../domain/validation';

/**
 * A body that is not `application/json` where JSON is expected: answered 415. Refusing other
 * types also keeps a web page from posting here with a plain HTML form (no CORS preflight).
 */
export class UnsupportedMediaTypeError extends TerminalError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(type: string | null) {
    super(`The body must be application/json${type ? `, not ${type}` : ' (set Content-Type)'}`);
  }
}

const isJsonType = (type: string | null) => {
  const base = type?.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || /^application\/[\w.+-]+\+json$/.test(base);
};

/**
 * The request body as JSON. A body of another content type is an {@link UnsupportedMediaTypeError};
 * an empty (unless `optional`) or malformed one a {@link ValidationError}.
 */
export async function jsonBody(request: HttpRequest, options: { optional?: boolean } = {}): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) {
    if (options.optional) return undefined;
    throw new ValidationError([{ field: '(body)', rule: 'must be a JSON object' }]);
  }
  const type = request.headers.get('content-type');
  if (!isJsonType(type)) throw new UnsupportedMediaTypeError(type);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ field: '(body)', rule: `is not valid JSON: ${(error as Error).message}` }]);
  }
}

/**
 * 400 naming every problem of a {@link ValidationError}, 415 for an {@link UnsupportedMediaTypeError};
 * anything else is rethrown (the host answers 500).
 */
export function badRequest(error: unknown): HttpResponseInit {
  if (error instanceof UnsupportedMediaTypeError)
    return { status: 415, jsonBody: { error: error.message, code: error.code } };
  if (!(error instanceof ValidationError)) throw error;
  return { status: 400, jsonBody: { error: error.message, code: error.code, problems: error.problems } };
}
