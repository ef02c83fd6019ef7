/**
 * Durable HTTP (`context.df.callHttp`), as the Durable extension runs it: each request is the
 * built-in activity `BuiltIn::HttpActivity`, scheduled like any activity (TaskScheduled with the
 * request, in the activity queue, its answer a TaskCompleted with the response), and the host
 * sends it itself. With the asynchronous pattern on (the default), a `202 Accepted` with a
 * `Location` header is polled: a durable timer (`Retry-After` seconds, else the default sleep),
 * then a GET of `Location` as another run of the activity, until the answer is not a 202. The
 * SDK (replay schema V3) expects exactly that history and numbers the timer and the next request
 * when the 202 arrives; the episode writes them (episode.ts).
 *
 * Requests and responses have the shapes of the extension's DurableHttpRequest and
 * DurableHttpResponse. A managed identity token source cannot be served here: such a call fails
 * with an error that names the resource.
 */
import http from 'node:http';
import https from 'node:https';
import { messageOf, taskFailed, taskUnhandled } from './failures';
import { EventType, event, type HistoryEvent } from './history';
import type { WorkRow } from './rows';

export const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';

/** The extension's HttpClient timeout for the whole request. */
const TIMEOUT_MS = 240_000;
/** HttpClientHandler's MaxAutomaticRedirections. */
const MAX_REDIRECTS = 50;
/** Headers .NET keeps on the content, not the response: DurableHttpResponse leaves them out. */
const CONTENT_HEADERS: ReadonlySet<string> = new Set([
  'allow',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'expires',
  'last-modified',
]);

export type HeaderValues = Record<string, string | string[]>;

export interface TokenSource {
  kind?: string;
  resource?: string;
  options?: unknown;
}

/** DurableHttpRequest, as the SDK sends it in a CallHttp action and the extension serializes it. */
export interface DurableHttpRequest {
  method?: string;
  uri?: string;
  headers?: HeaderValues | null;
  content?: string | null;
  tokenSource?: TokenSource | null;
  asynchronousPatternEnabled?: boolean;
  retryOptions?: unknown;
  timeout?: string | null;
}

/** DurableHttpResponse, as the extension serializes it into the TaskCompleted result. */
export interface DurableHttpResponse {
  statusCode: number;
  headers: HeaderValues;
  content: string;
}

/** The extension's ManagedIdentityTokenSource turns these two resources into scopes. */
function scopeOf(resource: string): string {
  const bare = resource.replace(/\/$/, '');
  if (bare === 'https://management.core.windows.net' || bare === 'https://graph.microsoft.com') {
    return `${bare}/.default`;
  }
  return resource;
}

/** The request in the extension's field order, as a TaskScheduled Input: its one-parameter list. */
function serialize(request: DurableHttpRequest): string {
  const token = request.tokenSource;
  const uri = request.uri ?? '';
  return JSON.stringify([
    {
      method: request.method ?? 'GET',
      uri: URL.canParse(uri) ? new URL(uri).href : uri,
      headers: request.headers ?? {},
      content: request.content ?? null,
      tokenSource: token
        ? { ...token, ...(typeof token.resource === 'string' ? { resource: scopeOf(token.resource) } : {}) }
        : null,
      asynchronousPatternEnabled: request.asynchronousPatternEnabled !== false,
      retryOptions: request.retryOptions ?? null,
      timeout: request.timeout ?? null,
    },
  ]);
}

/** The TaskScheduled Input of the first request of a `callHttp`. */
export function httpActivityInput(request: unknown): string {
  return serialize((request ?? {}) as DurableHttpRequest);
}

/** The request a TaskScheduled Input carries. */
export function requestOf(input: string | null | undefined): DurableHttpRequest | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as unknown;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return first && typeof first === 'object' ? (first as DurableHttpRequest) : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: HeaderValues | null | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Whether the SDK polls after this response: polling on, a 202, and a `Location` (the SDK's own
 * test; the extension would fail without one). When it does: what to GET, and after how long.
 */
export function pollAfter(
  requestInput: string | null | undefined,
  result: string | undefined,
  defaultDelayMs: number,
): { location: string; delayMs: number } | undefined {
  const request = requestOf(requestInput);
  if (!request || request.asynchronousPatternEnabled === false) return undefined;
  let response: Partial<DurableHttpResponse>;
  try {
    response = JSON.parse(result ?? '') as Partial<DurableHttpResponse>;
  } catch {
    return undefined;
  }
  const location = header(response.headers, 'location');
  if (response.statusCode !== 202 || !location) return undefined;
  const retryAfter = header(response.headers, 'retry-after')?.trim();
  const delayMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : defaultDelayMs;
  return { location, delayMs };
}

/**
 * The TaskScheduled Input of a poll: a GET of `Location` (relative to the request's URI) with the
 * first request's headers but `x-functions-key`, its token source and timeout.
 */
export function pollInput(firstInput: string | null | undefined, location: string): string {
  const first = requestOf(firstInput) ?? {};
  const headers: HeaderValues = {};
  for (const [key, value] of Object.entries(first.headers ?? {})) {
    if (key.toLowerCase() !== 'x-functions-key') headers[key] = value;
  }
  let uri = location;
  if (first.uri && URL.canParse(location, first.uri)) uri = new URL(location, first.uri).href;
  return serialize({
    method: 'GET',
    uri,
    headers,
    tokenSource: first.tokenSource,
    timeout: first.timeout,
  });
}

/** A request the activity refuses before sending it, with the extension's (.NET's) words. */
class Refused extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

interface Outgoing {
  method: string;
  url: URL;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

function outgoing(request: DurableHttpRequest): Outgoing {
  const uri = request.uri ?? '';
  if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
    throw new Refused(
      'System.InvalidOperationException',
      `An invalid request URI was provided. Either the request URI must be an absolute URI or BaseAddress must be set. (durable HTTP call to '${uri}')`,
    );
  }
  const headers: Record<string, string | string[]> = {};
  let contentType = '';
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    const lower = name.toLowerCase();
    if (lower === 'content-type') {
      for (const v of values) {
        if (v.includes('multipart')) {
          throw new Refused(
            'Microsoft.Azure.WebJobs.FunctionFailedException',
            'Multipart content is not supported with CallHttpAsync.',
          );
        }
        contentType = v;
      }
    } else if (CONTENT_HEADERS.has(lower)) {
      throw new Refused(
        'System.InvalidOperationException',
        `Misused header name, '${name}'. Make sure request headers are used with HttpRequestMessage, response headers with HttpResponseMessage, and content headers with HttpContent objects.`,
      );
    } else {
      headers[name] = values.length === 1 ? (values[0] as string) : values;
    }
  }
  let body: Buffer | undefined;
  if (request.content !== null && request.content !== undefined) {
    body = Buffer.from(String(request.content), 'utf8');
    if (!contentType) contentType = 'text/plain';
    headers['Content-Type'] =
      contentType.toLowerCase() === 'application/x-www-form-urlencoded'
        ? `${contentType}; charset=utf-8`
        : contentType;
    headers['Content-Length'] = String(body.length);
  }
  if (request.tokenSource) {
    const resource = request.tokenSource.resource ?? '(none)';
    throw new Refused(
      'Azure.Identity.CredentialUnavailableException',
      `Durable HTTP call to ${uri}: no managed identity is available to the embedded host, so it cannot get a token for resource '${resource}' (the call's tokenSource). Send the call with an Authorization header of your own instead, or run it in Azure, where the app's managed identity signs it.`,
    );
  }
  return { method: (request.method ?? 'GET').toUpperCase(), url: new URL(uri), headers, body };
}

/** The response's headers as DurableHttpResponse carries them: no content headers, one value or a list. */
function responseHeaders(raw: string[]): HeaderValues {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (CONTENT_HEADERS.has(lower)) continue;
    const entry = byName.get(lower) ?? { name, values: [] };
    entry.values.push(raw[i + 1] as string);
    byName.set(lower, entry);
  }
  const headers: HeaderValues = {};
  for (const { name, values } of byName.values()) {
    headers[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return headers;
}

function decode(body: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([^";]+)/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

function exchange(call: Outgoing, signal: AbortSignal): Promise<{ res: http.IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const send = call.url.protocol === 'https:' ? https.request : http.request;
    const req = send(call.url, { method: call.method, headers: call.headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(call.body);
  });
}

/** Sends the request, following redirects as HttpClientHandler does. */
async function sendRequest(first: Outgoing, signal: AbortSignal): Promise<DurableHttpResponse> {
  let call = first;
  for (let redirects = 0; ; redirects++) {
    const { res, body } = await exchange(call, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && redirects < MAX_REDIRECTS) {
      const next = URL.canParse(location, call.url) ? new URL(location, call.url) : undefined;
      // No redirect from https to http, as in .NET.
      if (
        next &&
        /^https?:$/.test(next.protocol) &&
        !(call.url.protocol === 'https:' && next.protocol === 'http:')
      ) {
        const toGet =
          (status === 303 && call.method !== 'HEAD') ||
          ((status === 301 || status === 302) && call.method === 'POST');
        const headers = { ...call.headers };
        for (const key of Object.keys(headers)) {
          const lower = key.toLowerCase();
          if (
            lower === 'authorization' ||
            (toGet && (lower === 'content-type' || lower === 'content-length'))
          )
            delete headers[key];
        }
        call = {
          method: toGet ? 'GET' : call.method,
          url: next,
          headers,
          body: toGet ? undefined : call.body,
        };
        continue;
      }
    }
    return {
      statusCode: status,
      headers: responseHeaders(res.rawHeaders),
      content: decode(body, res.headers['content-type']),
    };
  }
}

/** Runs one `BuiltIn::HttpActivity`: the response as TaskCompleted, or the failure as TaskFailed. */
export async function runHttpActivity(
  work: WorkRow,
  now: () => number,
  traceParent?: string,
): Promise<HistoryEvent> {
  const request = requestOf(work.input);
  let call: Outgoing;
  try {
    if (!request)
      throw new Refused('System.ArgumentException', 'The durable HTTP request could not be read.');
    call = outgoing(request);
    // HttpClient sends the W3C trace context of the activity it runs in.
    if (traceParent && !Object.keys(call.headers).some((h) => h.toLowerCase() === 'traceparent')) {
      call.headers.traceparent = traceParent;
    }
  } catch (err) {
    // Failures before the request is sent are DTFx's "unhandled exception" path.
    const type = err instanceof Refused ? err.errorType : 'System.InvalidOperationException';
    return taskUnhandled(work.taskId, type, messageOf(err), now());
  }
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    const response = await sendRequest(call, timeout);
    return event(EventType.TaskCompleted, now(), {
      TaskScheduledId: work.taskId,
      Result: JSON.stringify(response),
    });
  } catch (err) {
    if (timeout.aborted) {
      return taskUnhandled(
        work.taskId,
        'System.Threading.Tasks.TaskCanceledException',
        `The request was canceled due to the configured HttpClient.Timeout of ${TIMEOUT_MS / 1000} seconds elapsing.`,
        now(),
      );
    }
    // HttpRequestException: the extension's TaskFailureException with the message as the reason.
    const message = messageOf(err);
    return taskFailed(
      work.taskId,
      message,
      `HttpRequestException: ${message} (${call.method} ${call.url.href})`,
      now(),
    );
  }
}
