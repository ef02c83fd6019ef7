/**
 * `Idempotency-Key` on the routes that change a request (decision, cancel), with the semantics of
 * the IETF draft "The Idempotency-Key HTTP Header Field":
 *
 * - the first request with a key runs, and its answer is kept (table `idempotencykeys`, per
 *   signed-in user, for {@link KEY_LIFETIME_MS});
 * - a retry with the same key and the same request gets that answer again, same status and body,
 *   marked `Idempotent-Replayed: true`;
 * - the same key on a different request (another route, request or body) is 422;
 * - a retry while the first is still running is 409;
 * - a first request that died before its answer was kept (the process crashed) is in doubt: after
 *   {@link IN_FLIGHT_MS} a retry runs it again, told so, and answers as the first would have;
 * - the key must be 1 to 255 printable ASCII characters (400 otherwise).
 *
 * Keys belong to the caller: the same key from two users is two keys. Answers of 5xx are not kept,
 * so a retry tries again.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { isConflict, readRow, table } from '../storage/tables';
import { problem, type UserHandler } from './guard';
import type { Caller } from './principal';

export const IDEMPOTENCY_TABLE = 'idempotencykeys';
/** How long a key's answer is kept; a key used again after that is a new request. */
export const KEY_LIFETIME_MS = 24 * 3_600_000;
/**
 * How long a first request may run before a retry takes it to have died. The routes answer in
 * well under a second, and the table SDK gives up on storage within a few.
 */
export const IN_FLIGHT_MS = 10_000;

/** Printable ASCII without spaces, as clients send UUIDs and the like. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** What a handler learns of the attempt it runs in. */
export interface Attempt {
  /** An earlier attempt with the same key may have done the work before it died. */
  inDoubt: boolean;
}

export type IdempotentHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
  attempt: Attempt,
) => Promise<HttpResponseInit>;

interface KeyRow {
  fingerprint: string;
  state: 'running' | 'done';
  startedAt: number;
  status?: number;
  headers?: string;
  body?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Wraps a state-changing handler so that `Idempotency-Key` retries answer as the first request did. */
export function idempotent(handler: IdempotentHandler, options: { inFlightMs?: number } = {}): UserHandler {
  const inFlightMs = options.inFlightMs ?? IN_FLIGHT_MS;
  return async (request, context, caller) => {
    const key = request.headers.get('idempotency-key');
    if (key === null) return handler(request, context, caller, { inDoubt: false });
    if (!KEY.test(key)) {
      return problem(400, 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces');
    }
    const body = await request.clone().text();
    const fingerprint = sha256(`${request.method.toUpperCase()} ${new URL(request.url).pathname}\n${body}`);
    const keys = await table(IDEMPOTENCY_TABLE);
    const partitionKey = sha256(caller.id);
    const rowKey = sha256(key);
    const now = Date.now();
    const running: KeyRow = { fingerprint, state: 'running', startedAt: now };

    let inDoubt = false;
    try {
      await keys.createEntity({ partitionKey, rowKey, ...running });
    } catch (error) {
      if (!isConflict(error)) throw error;
      const row = await readRow<KeyRow>(keys, partitionKey, rowKey);
      const expired = !row || now - row.startedAt > KEY_LIFETIME_MS;
      if (!expired && row.fingerprint !== fingerprint) {
        return problem(422, 'This Idempotency-Key was used for a different request', { code: 'KEY_REUSED' });
      }
      if (!expired && row.state === 'done') return replay(row);
      if (!expired && now - row.startedAt < inFlightMs) {
        return problem(409, 'A request with this Idempotency-Key is still running; retry later', {
          code: 'KEY_IN_USE',
        });
      }
      // Expired, or in doubt: take the key over (only one retry wins the row).
      try {
        await keys.updateEntity({ partitionKey, rowKey, ...running }, 'Replace', { etag: row?.etag ?? '*' });
      } catch (takeOver) {
        if (!isConflict(takeOver)) throw takeOver;
        return problem(409, 'A request with this Idempotency-Key is still running; retry later', {
          code: 'KEY_IN_USE',
        });
      }
      inDoubt = !expired;
    }

    let answer: HttpResponseInit;
    try {
      answer = await handler(request, context, caller, { inDoubt });
    } catch (error) {
      await forget(partitionKey, rowKey);
      throw error;
    }
    if ((answer.status ?? 200) >= 500) {
      await forget(partitionKey, rowKey);
      return answer;
    }
    const done: KeyRow = {
      fingerprint,
      state: 'done',
      startedAt: now,
      status: answer.status ?? 200,
      headers: JSON.stringify(answer.headers ?? {}),
      body: JSON.stringify(answer.jsonBody ?? null),
    };
    await keys.upsertEntity({ partitionKey, rowKey, ...done }, 'Replace');
    return answer;
  };
}

function replay(row: KeyRow): HttpResponseInit {
  return {
    status: row.status ?? 200,
    headers: {
      ...(JSON.parse(row.headers ?? '{}') as Record<string, string>),
      'Idempotent-Replayed': 'true',
    },
    jsonBody: JSON.parse(row.body ?? 'null') as unknown,
  };
}

/** Lets a retry run again after a first attempt that failed. */
async function forget(partitionKey: string, rowKey: string): Promise<void> {
  try {
    await (await table(IDEMPOTENCY_TABLE)).deleteEntity(partitionKey, rowKey);
  } catch {
    // Gone already, or storage is down: the row expires as in doubt.
  }
}
