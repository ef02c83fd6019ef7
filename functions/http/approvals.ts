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
 *   POST /api/approvals/{id}/decision     {decision, comment}      → 202 | 400 | 403 | 404 | 409
 *   POST /api/approvals/{id}/cancel       (no body)                → 202 | 403 | 404 | 409
 */
import { app, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { type Actor, mayList } from '../../domain/access';
import { isOpen } from '../../domain/decide';
import { NoMatchingRuleError } from '../../domain/policy';
import { placeholderEmail, type User } from '../../domain/requests';
import { parseWith } from '../../domain/validation';
import { queryIndex, readAudit } from '../approvals/records';
import { approvalStatusFor, cancelApproval, startApproval, submitDecision } from '../approvals/service';
import { jsonBody } from './body';
import { forUsers, problem, type UserHandler } from './guard';
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
        audit: await readAudit(id),
      },
    };
  }),
});

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
  handler: approvals(async (request, context, caller) => {
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
    return { status: 202, jsonBody: { accepted: true, id, decision: body.decision } };
  }),
});

const cancelBody = z.object({ requesterId: noIdentity('requester') }).optional();

app.http('approvalsCancel', {
  route: 'approvals/{id}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: approvals(async (request, context, caller) => {
    parseWith(cancelBody, await jsonBody(request, { optional: true }));
    const id = request.params.id ?? '';
    const outcome = await cancelApproval(df.getClient(context), id, actorOf(caller));
    if (!outcome.ok) {
      return problem(REFUSAL_STATUS[outcome.refusal], outcome.message, {
        refusal: outcome.refusal,
        state: outcome.status?.state,
      });
    }
    return { status: 202, jsonBody: { accepted: true, id } };
  }),
});
