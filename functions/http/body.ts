/**
 * Request bodies at the app's HTTP boundary: JSON only (415 for anything else), at most
 * {@link MAX_JSON_BYTES} (413), and well-formed (400 naming the problem). guard.ts turns these
 * errors into answers.
 */
import type { HttpRequest } from '@azure/functions';
import { TerminalError } from '../../domain/errors';
import { maxJsonBytesOf, ValidationError } from '../../domain/validation';

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

/**
 * The largest JSON body the app reads (`SIGNOFF_MAX_JSON_BYTES`, 1 MiB by default; the bot's
 * activities too). Every field the API takes has its own, far smaller limit (domain/requests.ts);
 * the platform's own cap (100 MB on Azure) is for uploads, not for this. Read once: a bad value
 * stops the app at start-up with the setting named.
 */
export const MAX_JSON_BYTES = maxJsonBytesOf(process.env.SIGNOFF_MAX_JSON_BYTES);

/** A body over {@link MAX_JSON_BYTES}: answered 413 without parsing it. */
export class BodyTooLargeError extends TerminalError {
  readonly code = 'BODY_TOO_LARGE';
  constructor(bytes: number) {
    super(`The body is ${bytes} bytes; the limit is ${MAX_JSON_BYTES}`);
  }
}

const isJsonType = (type: string | null) => {
  const base = type?.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || /^application\/[\w.+-]+\+json$/.test(base);
};

/**
 * The request body as JSON. A body of another content type is an {@link UnsupportedMediaTypeError},
 * a too large one a {@link BodyTooLargeError}, an empty (unless `optional`) or malformed one a
 * {@link ValidationError}.
 */
export async function jsonBody(request: HttpRequest, options: { optional?: boolean } = {}): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_JSON_BYTES) throw new BodyTooLargeError(declared);
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw new BodyTooLargeError(Buffer.byteLength(text));
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
