/**
 * The documented Durable Functions HTTP API, served under `/runtime/webhooks/durabletask/` and
 * under the client's `rpcBaseUrl` (`/durabletask/`), with the extension's status codes. The
 * `durable-functions` client and the dashboard use nothing else.
 */
import { HostError } from '../common/errors';
import { activeTraceContext, isTraceParent } from '../common/telemetry';
import { decodePathSegment } from '../common/uri';
import { type LinkContext, managementUrls, WEBHOOK_PATH } from './apiLinks';
import { DurableError } from './client';
import type { Engine } from './engine';
import { entityIdOf } from './entityMessages';
import type { HistoryEvent } from './history';
import {
  type EntityQuery,
  type EntityRow,
  type InstanceQuery,
  type RuntimeStatus,
  TERMINAL_STATUSES,
} from './rows';
import { historyView, parseJsonText, statusPayload } from './statusView';

export interface ApiRequest {
  method: string;
  /** Path below the API base, without leading or trailing slashes. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Origin the client used, e.g. http://127.0.0.1:7071 (links in responses point there). */
  origin: string;
  /**
   * `code=<key>` for the links in responses when the caller presented the system key (as Azure
   * puts it in every management URL); empty otherwise, so a token or a session never turns into
   * a key.
   */
  keyQuery: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ApiContext extends LinkContext {
  engine: Engine;
}

/** The runtime statuses by the numbers of the extension's `OrchestrationRuntimeStatus` enum. */
const STATUS_NUMBERS: Record<number, RuntimeStatus> = {
  0: 'Running',
  1: 'Completed',
  2: 'ContinuedAsNew',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'Pending',
  7: 'Suspended',
};
const STATUS_NAMES: ReadonlySet<string> = new Set(Object.values(STATUS_NUMBERS));
const INVALID_ID_CHARS = ['/', '\\', '?', '#'];
const hasInvalidChar = (id: string) =>
  INVALID_ID_CHARS.some((c) => id.includes(c)) ||
  [...id].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/** A request to the Durable HTTP API that is invalid as it stands; answered with `status`. */
export class ApiError extends HostError {
  readonly code = 'BAD_REQUEST';
  readonly retryable = false;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleApi(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await route(ctx, req);
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: { error: error.message } };
    if (error instanceof DurableError) {
      const status = { NOT_FOUND: 404, GONE: 410, CONFLICT: 409, BAD_REQUEST: 400, PRECONDITION_FAILED: 412 }[
        error.code
      ];
      return { status, body: { error: error.message } };
    }
    throw error;
  }
}

async function route(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const parts = req.path.split('/').filter(Boolean).map(decodePathSegment);
  const [head, a, b, c] = parts;
  const method = req.method.toUpperCase();
  if (head === 'orchestrators' && a && parts.length <= 3) {
    if (method !== 'POST') return { status: 404 };
    return start(ctx, req, a, b);
  }
  if (head === 'entities') return entities(ctx, req, method, parts.slice(1));
  if (head !== 'instances') return { status: 404 };
  if (!a) {
    if (method === 'GET') return query(ctx, req);
    if (method === 'DELETE') return purgeBy(ctx, req);
    return { status: 404 };
  }
  if (!b) {
    if (method === 'GET') return status(ctx, req, a);
    if (method === 'DELETE') return purgeOne(ctx, a);
    return { status: 404 };
  }
  if (method !== 'POST') return { status: 404 };
  const reason = req.query.get('reason') ?? '';
  const engine = ctx.engine;
  switch (b.toLowerCase()) {
    case 'raiseevent':
      if (!c || parts.length !== 4) return { status: 404 };
      return raiseEvent(ctx, req, a, c);
    case 'terminate':
      await engine.terminate(a, reason);
      return { status: 202 };
    case 'suspend':
      await engine.suspend(a, reason);
      return { status: 202 };
    case 'resume':
      await engine.resume(a, reason);
      return { status: 202 };
    case 'rewind':
      return rewind(ctx, a, reason);
    case 'restart':
      return restart(ctx, req, a);
    default:
      return { status: 404 };
  }
}

/**
 * Rewind: 202, 404 for an unknown instance, 412 for one that is not Failed. A refusal's body is
 * its message as a JSON string, which the durable-functions client puts in the error it throws.
 */
async function rewind(ctx: ApiContext, instanceId: string, reason: string): Promise<ApiResponse> {
  try {
    await ctx.engine.rewind(instanceId, reason);
    return { status: 202 };
  } catch (error) {
    if (!(error instanceof DurableError)) throw error;
    return {
      status: error.code === 'NOT_FOUND' ? 404 : 412,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(error.message),
    };
  }
}

function parseJsonBody(req: ApiRequest): string | undefined {
  if (req.body.length === 0) return undefined;
  const text = req.body.toString('utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `Invalid JSON content: ${(error as Error).message}`);
  }
  return text;
}

function checkInstanceId(id: string): void {
  if (id.startsWith('@') || hasInvalidChar(id) || id.length > 256 || id.trim() === '') {
    throw new ApiError(
      400,
      `Instance ID '${id}' is invalid: it must be 1-256 characters, not start with '@', and contain no '/', '\\', '?', '#' or control characters`,
    );
  }
}

async function start(
  ctx: ApiContext,
  req: ApiRequest,
  name: string,
  instanceId: string | undefined,
): Promise<ApiResponse> {
  if (instanceId !== undefined) checkInstanceId(instanceId);
  const input = parseJsonBody(req);
  const wait = waitOptions(req);
  try {
    const row = await ctx.engine.start(name, instanceId, input, startTraceContext(req));
    if (wait) return await waitForCompletion(ctx, req, row.instanceId, wait);
    return checkStatusResponse(ctx, req, row.instanceId);
  } catch (error) {
    // The documented API answers 400 when the orchestrator function does not exist.
    if (error instanceof DurableError && error.code === 'NOT_FOUND') throw new ApiError(400, error.message);
    throw error;
  }
}

/**
 * What a new instance's spans hang under: the host's span of this request when telemetry is on,
 * else the caller's `traceparent` (the durable-functions client sends its active span's).
 */
function startTraceContext(req: ApiRequest): HistoryEvent['ParentTraceContext'] {
  const active = activeTraceContext();
  if (active) return active;
  const header = req.headers.traceparent;
  const traceParent = Array.isArray(header) ? header[0] : header;
  if (!isTraceParent(traceParent)) return undefined;
  const state = req.headers.tracestate;
  const traceState = Array.isArray(state) ? state.join(',') : state;
  return { TraceParent: traceParent, ...(traceState ? { TraceState: traceState } : {}) };
}

/** `timeout` and `pollingInterval` (seconds) ask the start to wait for the instance to end. */
function waitOptions(req: ApiRequest): { timeoutMs: number } | undefined {
  const timeout = req.query.get('timeout');
  if (timeout === null) return undefined;
  const seconds = Number(timeout);
  const interval = Number(req.query.get('pollingInterval') ?? 1);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ApiError(400, `timeout must be a number of seconds, got '${timeout}'`);
  }
  if (!Number.isFinite(interval) || interval <= 0) {
    throw new ApiError(
      400,
      `pollingInterval must be a positive number of seconds, got '${req.query.get('pollingInterval')}'`,
    );
  }
  if (interval > seconds) throw new ApiError(400, 'pollingInterval must not be longer than timeout');
  return { timeoutMs: seconds * 1000 };
}

/**
 * The documented create-and-wait: 200 with the output once Completed, the status once Failed or
 * Terminated, or the usual 202 check-status answer when the timeout passes first. The host is
 * told when an instance ends, so it waits without polling.
 */
async function waitForCompletion(
  ctx: ApiContext,
  req: ApiRequest,
  instanceId: string,
  wait: { timeoutMs: number },
): Promise<ApiResponse> {
  await ctx.engine.whenEnded(instanceId, wait.timeoutMs);
  const row = ctx.engine.getInstance(instanceId);
  if (!row || !TERMINAL_STATUSES.has(row.status)) return checkStatusResponse(ctx, req, instanceId);
  if (row.status === 'Completed') return { status: 200, body: parseJsonText(row.output) };
  return { status: 200, body: statusPayload(row, true) };
}

function checkStatusResponse(ctx: ApiContext, req: ApiRequest, instanceId: string): ApiResponse {
  const links = managementUrls(ctx, req.origin, instanceId, req.keyQuery);
  const { rewindPostUri: _omitted, ...body } = links;
  return {
    status: 202,
    headers: { Location: links.statusQueryGetUri as string, 'Retry-After': '10' },
    body,
  };
}

async function restart(ctx: ApiContext, req: ApiRequest, instanceId: string): Promise<ApiResponse> {
  const row = ctx.engine.getInstance(instanceId);
  // The extension's RestartAsync throws an ArgumentException here, which its API answers with 400.
  if (!row) throw new ApiError(400, 'InstanceId does not match a valid orchestration instance.');
  const newId = parseBool(req.query.get('restartWithNewInstanceId')) === false ? instanceId : undefined;
  const started = await ctx.engine.start(row.name, newId, row.input ?? undefined, startTraceContext(req));
  return checkStatusResponse(ctx, req, started.instanceId);
}

async function raiseEvent(
  ctx: ApiContext,
  req: ApiRequest,
  instanceId: string,
  name: string,
): Promise<ApiResponse> {
  const row = ctx.engine.getInstance(instanceId);
  if (!row) throw new DurableError('NOT_FOUND', `No instance with ID '${instanceId}' was found`);
  if (TERMINAL_STATUSES.has(row.status)) {
    throw new DurableError('GONE', `Instance '${instanceId}' has already ended (${row.status})`);
  }
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (req.body.length > 0 && type !== 'application/json') {
    throw new ApiError(400, 'Only application/json request content is supported');
  }
  await ctx.engine.raiseEvent(instanceId, name, parseJsonBody(req));
  return { status: 202 };
}

function parseBool(value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  return undefined;
}

function status(ctx: ApiContext, req: ApiRequest, instanceId: string): ApiResponse {
  const row = ctx.engine.getInstance(instanceId);
  if (!row) return { status: 404 };
  const showInput = parseBool(req.query.get('showInput')) ?? true;
  const body = statusPayload(row, showInput);
  if (parseBool(req.query.get('showHistory')) && row.status !== 'Pending') {
    body.historyEvents = historyView(
      ctx.engine.history(instanceId),
      showInput,
      parseBool(req.query.get('showHistoryOutput')) ?? false,
    );
  }
  if (row.status === 'Failed') {
    const fail = parseBool(req.query.get('returnInternalServerErrorOnFailure')) === true;
    return { status: fail ? 500 : 200, body };
  }
  if (TERMINAL_STATUSES.has(row.status)) return { status: 200, body };
  return {
    status: 202,
    headers: {
      Location: `${req.origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`,
      'Retry-After': '5',
    },
    body,
  };
}

function parseTime(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ApiError(400, `${name} must be an ISO 8601 date-time, got '${value}'`);
  return ms;
}

/**
 * `runtimeStatus` as the extension reads it: comma-separated, each value parsed as the enum
 * (`Enum.TryParse`: the name with its exact case, or the number); values that do not parse are
 * ignored, and with none left there is no filter. A number or `Unknown` that names no status
 * filters all instances out. `null` stands for such a filter.
 */
function statusFilter(req: ApiRequest): RuntimeStatus[] | null | undefined {
  const values = req.query.getAll('runtimeStatus').flatMap((v) => v.split(','));
  const result: RuntimeStatus[] = [];
  let matchesNothing = false;
  for (const raw of values) {
    const value = raw.trim();
    if (/^[+-]?\d+$/.test(value)) {
      const status = STATUS_NUMBERS[Number(value)];
      if (status) result.push(status);
      else matchesNothing = true;
    } else if (STATUS_NAMES.has(value)) {
      result.push(value as RuntimeStatus);
    } else if (value === 'Unknown') {
      matchesNothing = true;
    }
  }
  if (result.length > 0) return result;
  return matchesNothing ? null : undefined;
}

function query(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const topText = req.query.get('top');
  const top = topText === null ? 100 : Number(topText);
  // Azure binds `top` to a 32-bit int: anything past it is a bad request there too.
  if (!Number.isInteger(top) || top <= 0 || top > 2 ** 31 - 1)
    throw new ApiError(400, `top must be a positive 32-bit integer, got '${topText}'`);
  const runtimeStatus = statusFilter(req);
  const q: InstanceQuery = {
    runtimeStatus: runtimeStatus ?? undefined,
    createdTimeFrom: parseTime(req.query.get('createdTimeFrom'), 'createdTimeFrom'),
    createdTimeTo: parseTime(req.query.get('createdTimeTo'), 'createdTimeTo'),
    instanceIdPrefix: req.query.get('instanceIdPrefix') ?? undefined,
    top: top + 1,
  };
  const token = req.headers['x-ms-continuation-token'];
  if (typeof token === 'string' && token !== '' && token !== 'null') {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c: number; i: string };
      if (typeof parsed.c !== 'number' || typeof parsed.i !== 'string') throw new Error('shape');
      q.after = { createdAt: parsed.c, instanceId: parsed.i };
    } catch {
      throw new ApiError(400, 'x-ms-continuation-token is not a token this API issued');
    }
  }
  const rows = runtimeStatus === null ? [] : ctx.engine.query(q);
  const page = rows.slice(0, top);
  const showInput = parseBool(req.query.get('showInput')) ?? true;
  const last = page[page.length - 1];
  // The extension always sends the header; after the last page its value is empty.
  const next =
    rows.length > top && last
      ? Buffer.from(JSON.stringify({ c: last.createdAt, i: last.instanceId })).toString('base64url')
      : '';
  return {
    status: 200,
    headers: { 'x-ms-continuation-token': next },
    body: page.map((r) => statusPayload(r, showInput)),
  };
}

async function purgeOne(ctx: ApiContext, instanceId: string): Promise<ApiResponse> {
  const removed = await ctx.engine.purge(instanceId);
  if (!removed) return { status: 404 };
  return { status: 200, body: { instancesDeleted: 1 } };
}

async function purgeBy(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const from = parseTime(req.query.get('createdTimeFrom'), 'createdTimeFrom');
  if (from === undefined) throw new ApiError(400, "Please provide value for 'createdTimeFrom' parameter.");
  const runtimeStatus = statusFilter(req);
  const rows =
    runtimeStatus === null
      ? []
      : ctx.engine.query({
          createdTimeFrom: from,
          createdTimeTo: parseTime(req.query.get('createdTimeTo'), 'createdTimeTo') ?? ctx.engine.clock.now(),
          runtimeStatus,
        });
  let deleted = 0;
  for (const row of rows) {
    if (!TERMINAL_STATUSES.has(row.status)) continue;
    if (await ctx.engine.purge(row.instanceId)) deleted++;
  }
  if (deleted === 0) return { status: 404 };
  return { status: 200, body: { instancesDeleted: deleted } };
}

// ---- entities ---------------------------------------------------------------------------

/**
 * `entities/{name}/{key}`: POST signals (`?op=`, the body is the input), GET reads the state (404
 * when the entity does not exist). `entities[/{name}]` GET lists entities (of that name).
 * `entities` POST cleans entity storage (the host's own route: Azure offers this only through
 * the client's cleanEntityStorage).
 */
async function entities(
  ctx: ApiContext,
  req: ApiRequest,
  method: string,
  parts: string[],
): Promise<ApiResponse> {
  const [name, key] = parts;
  if (parts.length > 2) return { status: 404 };
  if (key !== undefined && name !== undefined) {
    if (method === 'POST') {
      const input = entityInput(req);
      await ctx.engine.entities.signal(name, key, req.query.get('op') ?? '', input, startTraceContext(req));
      return { status: 202 };
    }
    if (method !== 'GET') return { status: 404 };
    const row = ctx.engine.entities.read(name, key);
    if (!row) return { status: 404 };
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: row.state ?? 'null',
    };
  }
  if (method === 'GET') return listEntities(ctx, req, name);
  if (method === 'POST' && name === undefined) {
    const release = parseBool(req.query.get('releaseOrphanedLocks')) ?? true;
    return { status: 200, body: await ctx.engine.entities.clean(release) };
  }
  return { status: 404 };
}

/** An operation's input: the body's JSON (a text body that is not JSON is taken as a string). */
function entityInput(req: ApiRequest): string | undefined {
  if (req.body.length === 0) return undefined;
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type && type !== 'application/json' && type.startsWith('text/')) {
    return JSON.stringify(req.body.toString('utf8'));
  }
  return parseJsonBody(req);
}

function entityStatus(
  ctx: ApiContext,
  row: EntityRow,
  fetchState: boolean,
  showOperations: boolean,
): Record<string, unknown> {
  return {
    entityId: { name: row.name, key: row.key },
    lastOperationTime: new Date(row.lastOperationAt).toISOString(),
    ...(fetchState ? { state: parseJsonText(row.state) } : {}),
    backlogQueueSize: ctx.engine.entities.backlog(row.entityId),
    lockedBy: row.lockedBy,
    // the host's own: the last operations the entity ran, newest first (the dashboard shows them)
    ...(showOperations
      ? {
          recentOperations: ctx.engine.entities.operations(row.entityId).map((op) => ({
            operation: op.operation,
            time: new Date(op.at).toISOString(),
            signal: op.signal,
            from: op.parent,
            failed: op.failed,
            ...(op.detail !== null ? { error: op.detail } : {}),
            durationMs: op.durationMs,
          })),
        }
      : {}),
  };
}

function listEntities(ctx: ApiContext, req: ApiRequest, name: string | undefined): ApiResponse {
  if (name !== undefined && (name === '' || name.includes('@'))) {
    throw new ApiError(400, `Entity name '${name}' is invalid: it must not be empty or contain '@'`);
  }
  const topText = req.query.get('top');
  const top = topText === null ? 100 : Number(topText);
  if (!Number.isInteger(top) || top <= 0 || top > 2 ** 31 - 1)
    throw new ApiError(400, `top must be a positive 32-bit integer, got '${topText}'`);
  const q: EntityQuery = {
    // the entities of one name: their ids begin `@name@` (the name in lower case)
    idPrefix: name === undefined ? undefined : entityIdOf(name, ''),
    lastOperationFrom: parseTime(req.query.get('lastOperationTimeFrom'), 'lastOperationTimeFrom'),
    lastOperationTo: parseTime(req.query.get('lastOperationTimeTo'), 'lastOperationTimeTo'),
    top: top + 1,
  };
  const token = req.headers['x-ms-continuation-token'];
  if (typeof token === 'string' && token !== '' && token !== 'null') {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { e: string };
      if (typeof parsed.e !== 'string') throw new Error('shape');
      q.after = parsed.e;
    } catch {
      throw new ApiError(400, 'x-ms-continuation-token is not a token this API issued');
    }
  }
  const rows = ctx.engine.entities.list(q);
  const page = rows.slice(0, top);
  const last = page[page.length - 1];
  const next =
    rows.length > top && last ? Buffer.from(JSON.stringify({ e: last.entityId })).toString('base64url') : '';
  const fetchState = parseBool(req.query.get('fetchState')) ?? false;
  const showOperations = parseBool(req.query.get('showOperations')) ?? false;
  return {
    status: 200,
    headers: { 'x-ms-continuation-token': next },
    body: page.map((r) => entityStatus(ctx, r, fetchState, showOperations)),
  };
}
