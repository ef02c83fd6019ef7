/**
 * Idempotency-Key against real table storage (the run's Azurite), with the handler standing in
 * for a route: what runs, what is replayed, and a first attempt that never finished.
 */
import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { type Attempt, idempotent } from './idempotency';
import type { Caller } from './principal';

const caller = (id = randomUUID()): Caller => ({ id, name: 'Tester', roles: [] });
const context = () => new InvocationContext({ functionName: 'test' });
const post = (key: string | undefined, body: unknown, path = '/api/approvals/generic-1/decision') =>
  new HttpRequest({
    method: 'POST',
    url: `http://localhost${path}`,
    body: { string: JSON.stringify(body) },
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
  });

/** A route that counts its runs and answers 202 with the run number. */
function counting(options?: { inFlightMs?: number }) {
  const attempts: Attempt[] = [];
  const handler = idempotent(async (request, _context, _caller, attempt) => {
    attempts.push(attempt);
    await request.text();
    return { status: 202, headers: { Location: '/x' }, jsonBody: { run: attempts.length } };
  }, options);
  return { handler, attempts };
}

describe('Idempotency-Key', () => {
  it('runs once and answers a retry with the first answer, marked as replayed', async () => {
    const { handler, attempts } = counting();
    const me = caller();
    const first = await handler(post('k-1', { decision: 'approve' }), context(), me);
    const retry = await handler(post('k-1', { decision: 'approve' }), context(), me);
    expect(first).toMatchObject({ status: 202, jsonBody: { run: 1 } });
    expect(retry).toMatchObject({
      status: 202,
      jsonBody: { run: 1 },
      headers: { Location: '/x', 'Idempotent-Replayed': 'true' },
    });
    expect(attempts).toHaveLength(1);
  });

  it('answers 422 to the same key on a different request', async () => {
    const { handler } = counting();
    const me = caller();
    await handler(post('k-2', { decision: 'approve' }), context(), me);
    const other = await handler(post('k-2', { decision: 'reject', comment: 'no' }), context(), me);
    expect(other).toMatchObject({ status: 422, jsonBody: { code: 'KEY_REUSED' } });
    const elsewhere = await handler(
      post('k-2', { decision: 'approve' }, '/api/approvals/generic-2/decision'),
      context(),
      me,
    );
    expect(elsewhere.status).toBe(422);
  });

  it("keeps each caller's keys apart", async () => {
    const { handler, attempts } = counting();
    await handler(post('shared', {}), context(), caller());
    const second = await handler(post('shared', {}), context(), caller());
    expect(second.jsonBody).toEqual({ run: 2 });
    expect(attempts).toHaveLength(2);
  });

  it('runs without a key as if there were none, and refuses a malformed key', async () => {
    const { handler, attempts } = counting();
    const me = caller();
    await handler(post(undefined, {}), context(), me);
    await handler(post(undefined, {}), context(), me);
    expect(attempts).toHaveLength(2);
    expect((await handler(post('has space', {}), context(), me)).status).toBe(400);
    expect((await handler(post('x'.repeat(256), {}), context(), me)).status).toBe(400);
  });

  it('answers 409 while the first is running, and runs again, in doubt, once it must have died', async () => {
    const attempts: Attempt[] = [];
    let hang = true;
    const handler = idempotent(
      async (_request, _context, _caller, attempt) => {
        attempts.push(attempt);
        // The first attempt never finishes: its process died.
        if (hang) await new Promise(() => {});
        return { status: 202, jsonBody: { inDoubt: attempt.inDoubt } };
      },
      { inFlightMs: 300 },
    );
    const me = caller();
    void handler(post('k-3', {}), context(), me);
    await expect.poll(() => attempts.length).toBe(1);
    expect(await handler(post('k-3', {}), context(), me)).toMatchObject({
      status: 409,
      jsonBody: { code: 'KEY_IN_USE' },
    });
    hang = false;
    await new Promise((r) => setTimeout(r, 350));
    expect(await handler(post('k-3', {}), context(), me)).toMatchObject({
      status: 202,
      jsonBody: { inDoubt: true },
    });
    expect((await handler(post('k-3', {}), context(), me)).headers).toMatchObject({
      'Idempotent-Replayed': 'true',
    });
  });

  it('forgets a key whose first attempt failed, so that a retry runs', async () => {
    let fail = true;
    const handler = idempotent(async () => {
      if (fail) throw new Error('boom');
      return { status: 202, jsonBody: { ok: true } };
    });
    const me = caller();
    await expect(handler(post('k-4', {}), context(), me)).rejects.toThrow('boom');
    fail = false;
    expect(await handler(post('k-4', {}), context(), me)).toMatchObject({ status: 202 });
  });
});
