/**
 * The Azure Functions v4 HTTP types seen as the Node request/response botbuilder's CloudAdapter
 * is written against (Express/Restify style: `req.body` already parsed, `res.status().send().end()`),
 * so the same adapter runs on the embedded host and in Azure.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';
import { TerminalError } from '../domain/errors';
import { DEFAULT_MAX_JSON_BYTES } from '../domain/validation';

/** The request is not a JSON activity: answered 400 (or 415 for another content type) before the adapter sees it. */
export class BadActivityError extends TerminalError {
  readonly code = 'BAD_ACTIVITY';
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

const CONVERSATIONAL = new Set([
  'message',
  'invoke',
  'conversationUpdate',
  'installationUpdate',
  'messageReaction',
]);

/**
 * The fields the bot needs to answer an activity, checked before the adapter sees it (which would
 * otherwise fail deep inside with a 500). Each problem names the field.
 */
function checkActivity(activity: Record<string, unknown>): void {
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!text(activity.type)) throw new BadActivityError('activity.type: is required (e.g. "message")');
  if (!CONVERSATIONAL.has(activity.type as string)) return;
  if (!text(activity.serviceUrl)) throw new BadActivityError('activity.serviceUrl: is required to answer');
  const conversation = activity.conversation as { id?: unknown } | undefined;
  if (!text(conversation?.id)) throw new BadActivityError('activity.conversation.id: is required');
  const from = activity.from as { id?: unknown } | undefined;
  if (!text(from?.id)) throw new BadActivityError('activity.from.id: is required');
}

const tooLarge = (bytes: number, limit: number) =>
  new BadActivityError(`the activity is ${bytes} bytes; the limit is ${limit}`, 413);

/**
 * Reads the activity JSON and the headers (lower-case names) of a function's HTTP request. An
 * activity over `maxBytes` is refused (413) before it is parsed: Teams sends far less (a message
 * is at most about 28 KB; a card action carries the card's data).
 */
export async function toBotRequest(
  request: HttpRequest,
  maxBytes = DEFAULT_MAX_JSON_BYTES,
): Promise<BotRequest> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new BadActivityError(`Activities are application/json${type ? `, not ${type}` : ''}`, 415);
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw tooLarge(Buffer.byteLength(text), maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadActivityError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadActivityError('the body must be a JSON object (a Bot Framework activity)');
  }
  checkActivity(body as Record<string, unknown>);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { method: request.method, headers, body: body as Record<string, unknown> };
}

/** Collects what the adapter writes; `toHttpResponse()` is the function's return value. */
export class ResponseRecorder implements BotResponse {
  readonly socket = null;
  private statusCode = 200;
  private readonly headers: Record<string, string> = {};
  private body: unknown;
  private ended = false;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: unknown): this {
    this.headers[name] = String(value);
    return this;
  }

  send(body?: unknown): this {
    this.body = body;
    return this;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  get finished(): boolean {
    return this.ended;
  }

  toHttpResponse(): HttpResponseInit {
    const status = this.statusCode;
    const headers = this.headers;
    const body = this.body;
    if (body === undefined || body === null || body === '') return { status, headers };
    if (typeof body === 'string')
      return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
    if (Buffer.isBuffer(body)) return { status, headers, body: new Uint8Array(body) };
    return { status, headers, jsonBody: body };
  }
}
