/**
 * The approvals HTTP API, for clients other than Teams. Every route needs a signed-in user (a
 * bearer token, validated by the platform); who acts is always that user, never a field of the
 * body or the query. Access follows approvals/access.ts: a request someone has no part in is 404.
 *
 *   POST /api/approvals/{kind}            {details}                → 202 {id, links} | 400 | 422
 *   GET  /api/approvals/{id}              stage, awaited, audit    → 200 | 404
 *   GET  /api/approvals?requester=|approver=&status=&awaiting=&pageSize=&continuationToken=
 *                                         the caller's own requests by default; another user's
 *                                         list needs Approvals.Admin                → 200 | 403
 *   POST /api/approvals/{id}/decision     {decision, comment}      → 202 | 200 | 400 | 403 | 404 | 409
 *   POST /api/approvals/{id}/cancel       (no body)                → 202 | 200 | 403 | 404 | 409
 *   .../documents                         documents to review: see documents.ts
 *
 * Decision and cancel take an `Idempotency-Key` header (idempotency.ts): a retry with the same key
 * gets the first answer again. Without one, repeating a decision already recorded (or a cancel
 * already done) by the same person answers 200 with what was recorded, not a refusal.
 */
import { app, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { isStorageUnavailable } from '../../bot';
import { type Actor, mayList } from '../../domain/access';
import { isOpen } from '../../domain/decide';
import { NoMatchingRuleError } from '../../domain/policy';
import { placeholderEmail, type User } from '../../domain/requests';
import { parseWith } from '../../domain/validation';
import { queryIndex, readAudit } from '../approvals/records';
import {
  approvalStatusFor,
  cancelApproval,
  documentsFor,
  startApproval,
  submitDecision,
} from '../approvals/service';
import { jsonBody } from './body';
import { forUsers, problem, type UserHandler } from './guard';
import { idempotent } from './idempotency';
import type { Caller } from './principal';

const client = df.input.durableClient();

const policyErrors = (error: unknown): HttpResponseInit | undefined =>
  error instanceof NoMatchingRuleError ? problem(422, error.message) : undefined;

const approvals = (handler: UserHandler) => forUsers(handler, policyErrors);

/** The caller as a requester: who they are comes from their token. */
export function requesterOf(caller: Caller): User {
  return {
    id: caller.id,
    name: caller.name,
    email: caller.email ?? placeholderEmail(caller.id),
  };
}

const actorOf = (caller: Caller): Actor & { name: string } => ({
  id: caller.id,
  name: caller.name,
  roles: caller.roles,
});

/** Bodies say what is asked, never who asks: a field naming a person is refused by name. */
const noIdentity = (field: string) =>
  z.unknown().refine((v) => v === undefined, {
    message: `must not be set: the ${field === 'requester' ? 'requester' : 'approver'} is the signed-in user`,
  });

const startBody = z.object({ details: z.unknown(), requester: noIdentity('requester') });

app.http('approvalsStart', {
  route: 'approvals/{kind:alpha}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: approvals(async (request, context, caller) => {
    const body = parseWith(startBody, await jsonBody(request));
    const { id, stages } = await startApproval(
      df.getClient(context),
      request.params.kind ?? '',
      body.details,
      requesterOf(caller),
    );
    const self = new URL(`/api/approvals/${id}`, request.url).href;
    return {
      status: 202,
      headers: { Location: self },
      jsonBody: {
        id,
        statusUrl: self,
        decisionUrl: `${self}/decision`,
        cancelUrl: `${self}/cancel`,
        documentsUrl: `${self}/documents`,
        stages: stages.map((s) => s.title),
      },
    };
  }),
});

app.http('approvalsGet', {
  route: 'approvals/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: approvals(async (request, context, caller) => {
    const id = request.params.id ?? '';
    const status = await approvalStatusFor(df.getClient(context), id, actorOf(caller));
    if (!status) return problem(404, `No approval request with id "${id}"`);
    return {
      jsonBody: {
        ...status,
        awaiting: isOpen(status) ? (status.stage?.awaiting ?? []) : [],
        deadline: isOpen(status) ? status.stage?.deadline : undefined,
        documents: await documentsOrNull(() =>
          documentsFor(status, actorOf(caller), new URL(request.url).origin),
        ),
        ...(await auditOf(id)),
      },
    };
  }),
});

/** The request's documents; null while storage is down (the status is answered without them). */
async function documentsOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!isStorageUnavailable(error)) throw error;
    return null;
  }
}

/** The request's audit log; while table storage is down, the status without it, saying so. */
async function auditOf(
  id: string,
): Promise<{ audit: Awaited<ReturnType<typeof readAudit>> | null; auditUnavailable?: string }> {
  try {
    return { audit: await readAudit(id) };
  } catch (error) {
    if (!isStorageUnavailable(error)) throw error;
    return { audit: null, auditUnavailable: 'Table storage did not answer; try again shortly' };
  }
}

const listQuery = z
  .object({
    requester: z.string().trim().min(1).max(128).optional(),
    approver: z.string().trim().min(1).max(128).optional(),
    status: z.enum(['Pending', 'Approved', 'Rejected', 'Expired', 'Cancelled']).optional(),
    awaiting: z.enum(['true', 'false']).optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
    continuationToken: z.string().min(1).optional(),
  })
  .strict()
  .refine((q) => !(q.requester && q.approver), {
    message: 'give at most one of requester or approver',
    path: ['requester'],
  });

app.http('approvalsList', {
  route: 'approvals',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: approvals(async (request, _context, caller) => {
    const q = parseWith(listQuery, Object.fromEntries(request.query.entries()), 'query');
    const role = q.approver ? 'approver' : 'requester';
    const userId = q.approver ?? q.requester ?? caller.id;
    if (!mayList(actorOf(caller), userId)) {
      return problem(403, "Listing another user's requests needs the Approvals.Admin role");
    }
    const page = await queryIndex(role, userId, {
      state: q.status,
      awaitingMe: q.awaiting === 'true',
      pageSize: q.pageSize,
      continuationToken: q.continuationToken,
    });
    return { jsonBody: page };
  }),
});

const decisionBody = z.object({
  decision: z.enum(['approve', 'reject'], 'must be "approve" or "reject"'),
  comment: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  approverId: noIdentity('approverId'),
});

const REFUSAL_STATUS = {
  'not-found': 404,
  closed: 409,
  'already-decided': 409,
  'not-an-approver': 403,
  'self-approval': 403,
  'comment-required': 400,
  'not-requester': 403,
} as const;

app.http('approvalsDecide', {
  route: 'approvals/{id}/decision',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: approvals(
    idempotent(async (request, context, caller, attempt) => {
      const body = parseWith(decisionBody, await jsonBody(request));
      const id = request.params.id ?? '';
      const outcome = await submitDecision(df.getClient(context), id, actorOf(caller), {
        decision: body.decision,
        ...(body.comment ? { comment: body.comment } : {}),
      });
      if (!outcome.ok) {
        return problem(REFUSAL_STATUS[outcome.refusal], outcome.message, {
          refusal: outcome.refusal,
          state: outcome.status?.state,
        });
      }
      const accepted = { status: 202, jsonBody: { accepted: true, id, decision: body.decision } };
      // A retry that finds its decision recorded: 200 with it, unless a first attempt with the same
      // Idempotency-Key may have raised it (then the answer is the first one's).
      if (!outcome.repeated || attempt.inDoubt) return accepted;
      return {
        status: 200,
        jsonBody: {
          accepted: true,
          id,
          decision: body.decision,
          repeated: true,
          recorded: outcome.repeated,
          state: outcome.status.state,
        },
      };
    }),
  ),
});

const cancelBody = z.object({ requesterId: noIdentity('requester') }).optional();

app.http('approvalsCancel', {
  route: 'approvals/{id}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: approvals(
    idempotent(async (request, context, caller, attempt) => {
      parseWith(cancelBody, await jsonBody(request, { optional: true }));
      const id = request.params.id ?? '';
      const outcome = await cancelApproval(df.getClient(context), id, actorOf(caller));
      if (!outcome.ok) {
        return problem(REFUSAL_STATUS[outcome.refusal], outcome.message, {
          refusal: outcome.refusal,
          state: outcome.status?.state,
        });
      }
      if (!outcome.repeated || attempt.inDoubt) return { status: 202, jsonBody: { accepted: true, id } };
      return { status: 200, jsonBody: { accepted: true, id, repeated: true, state: outcome.status.state } };
    }),
  ),
});
