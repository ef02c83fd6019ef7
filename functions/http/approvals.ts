/**
 * The approvals HTTP API, for clients other than Teams:
 *
 *   POST /api/approvals/{kind}            start a request                  → 202 {id, links}
 *   GET  /api/approvals/{id}              outcome, stage, awaited, audit   → 200 | 404
 *   GET  /api/approvals?requester=|approver=&status=&pageSize=&continuationToken=
 *   POST /api/approvals/{id}/decision     {approverId, decision, comment}  → 202 | 400 | 403 | 404 | 409
 *   POST /api/approvals/{id}/cancel       {requesterId}                    → 202 | 403 | 404 | 409
 *
 * Identity: Azure AD cannot exist here, so callers name the user in the body; in Azure the
 * function sits behind App Service authentication and these ids come from the token.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { isOpen } from '../approvals/decide';
import { NoMatchingRuleError } from '../approvals/policy';
import { queryIndex, readAudit } from '../approvals/records';
import { startSchema, userSchema } from '../approvals/requests';
import { approvalStatus, cancelApproval, startApproval, submitDecision } from '../approvals/service';
import { badRequest, jsonBody, parseWith } from '../validation';

const client = df.input.durableClient();

function problem(status: number, error: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error, ...extra } };
}

/** Runs a handler, turning validation and policy errors into 4xx answers that name the problem. */
function handled(
  fn: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    try {
      return await fn(request, context);
    } catch (error) {
      if (error instanceof NoMatchingRuleError) return problem(422, error.message);
      return badRequest(error);
    }
  };
}

app.http('approvalsStart', {
  route: 'approvals/{kind:alpha}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: handled(async (request, context) => {
    const body = parseWith(startSchema, await jsonBody(request));
    const durable = df.getClient(context);
    const { id, stages } = await startApproval(
      durable,
      request.params.kind ?? '',
      body.details,
      body.requester,
    );
    const links = durable.createHttpManagementPayload(id);
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
        durable: links,
      },
    };
  }),
});

app.http('approvalsGet', {
  route: 'approvals/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: handled(async (request, context) => {
    const id = request.params.id ?? '';
    const status = await approvalStatus(df.getClient(context), id);
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
    requester: z.string().min(1).optional(),
    approver: z.string().min(1).optional(),
    status: z.enum(['Pending', 'Approved', 'Rejected', 'Expired', 'Cancelled']).optional(),
    awaiting: z.enum(['true', 'false']).optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
    continuationToken: z.string().min(1).optional(),
  })
  .refine((q) => Boolean(q.requester) !== Boolean(q.approver), {
    message: 'give exactly one of requester or approver',
    path: ['requester'],
  });

app.http('approvalsList', {
  route: 'approvals',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: handled(async (request) => {
    const q = parseWith(listQuery, Object.fromEntries(request.query.entries()), 'query');
    const role = q.requester ? 'requester' : 'approver';
    const page = await queryIndex(role, (q.requester ?? q.approver) as string, {
      state: q.status,
      awaitingMe: q.awaiting === 'true',
      pageSize: q.pageSize,
      continuationToken: q.continuationToken,
    });
    return { jsonBody: page };
  }),
});

const decisionBody = z.object({
  approverId: z.string().trim().min(1, 'must not be empty'),
  decision: z.enum(['approve', 'reject'], 'must be "approve" or "reject"'),
  comment: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
});

app.http('approvalsDecide', {
  route: 'approvals/{id}/decision',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: handled(async (request, context) => {
    const body = parseWith(decisionBody, await jsonBody(request));
    const id = request.params.id ?? '';
    const outcome = await submitDecision(df.getClient(context), id, body);
    if (!outcome.ok) {
      const code = {
        'not-found': 404,
        closed: 409,
        'already-decided': 409,
        'not-an-approver': 403,
        'self-approval': 403,
        'comment-required': 400,
      }[outcome.refusal];
      return problem(code, outcome.message, { refusal: outcome.refusal, state: outcome.status?.state });
    }
    return { status: 202, jsonBody: { accepted: true, id, decision: body.decision } };
  }),
});

const cancelBody = z.object({ requesterId: userSchema.shape.id });

app.http('approvalsCancel', {
  route: 'approvals/{id}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: handled(async (request, context) => {
    const body = parseWith(cancelBody, await jsonBody(request));
    const id = request.params.id ?? '';
    const outcome = await cancelApproval(df.getClient(context), id, body.requesterId);
    if (!outcome.ok) {
      const code = { 'not-found': 404, closed: 409, 'not-requester': 403 }[outcome.refusal];
      return problem(code, outcome.message, { refusal: outcome.refusal, state: outcome.status?.state });
    }
    return { status: 202, jsonBody: { accepted: true, id } };
  }),
});
