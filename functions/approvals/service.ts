/**
 * The operations every client of approvals uses (the HTTP API and the Teams bot alike): start a
 * request, read its status, decide, cancel. They apply the rules of decide.ts before raising an
 * event, so callers get an immediate, specific answer; the workflow applies them again.
 */
import { randomBytes } from 'node:crypto';
import type * as df from 'durable-functions';
import { type ApprovalStatus, type DecisionInput, evaluate, isOpen, type Refusal } from './decide';
import { APPROVAL_ORCHESTRATOR, type WorkflowInput } from './orchestration';
import { currentPolicy, type Stage } from './policy';
import { parseRequest, type User } from './requests';
import { approvalSlaMs } from './sla';

/** Short, readable ids such as "loan-7k2m9qxd", shown on cards and accepted by chat commands. */
export function newRequestId(kind: string): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(8);
  return `${kind}-${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export interface Started {
  id: string;
  stages: Stage[];
}

/** Validates the request, picks its stages from the policy, and starts the workflow. */
export async function startApproval(
  client: df.DurableClient,
  kind: string,
  details: unknown,
  requester: User,
): Promise<Started> {
  const request = parseRequest(kind, details);
  const stages = currentPolicy().stagesFor(request);
  const id = newRequestId(request.kind);
  const slaMs = approvalSlaMs();
  const input: WorkflowInput = { id, request, requester, stages, ...(slaMs ? { slaMs } : {}) };
  await client.startNew(APPROVAL_ORCHESTRATOR, { instanceId: id, input });
  return { id, stages };
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** The request's status, or undefined when there is no approval request with this id. */
export async function approvalStatus(
  client: df.DurableClient,
  id: string,
): Promise<ApprovalStatus | undefined> {
  if (!ID.test(id)) return undefined;
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(id, { showInput: false });
  } catch {
    return undefined;
  }
  if (status.name !== APPROVAL_ORCHESTRATOR || !status.customStatus) return undefined;
  return withRuntimeOutcome(
    status.customStatus as ApprovalStatus,
    String(status.runtimeStatus),
    status.output,
  );
}

/**
 * A workflow that an operator terminated, or that failed, never wrote its final status: its
 * custom status still says Pending. Such a request is closed, and says why.
 */
export function withRuntimeOutcome(
  status: ApprovalStatus,
  runtimeStatus: string,
  output: unknown,
): ApprovalStatus {
  if (status.state !== 'Pending') return status;
  if (runtimeStatus === 'Terminated') {
    const why = typeof output === 'string' && output ? `: ${output}` : '';
    return { ...status, state: 'Cancelled', reason: `Terminated by an operator${why}` };
  }
  if (runtimeStatus === 'Failed') {
    return {
      ...status,
      state: 'Cancelled',
      reason: 'The workflow failed; an operator can rewind it from the dashboard',
    };
  }
  return status;
}

/** Finds a request by its full id or by the short part after the kind ("7k2m9qxd"). */
export async function findApproval(
  client: df.DurableClient,
  idOrShort: string,
): Promise<ApprovalStatus | undefined> {
  const text = idOrShort.trim().toLowerCase();
  const direct = await approvalStatus(client, text);
  if (direct || text.includes('-')) return direct;
  for (const kind of ['loan', 'generic']) {
    const found = await approvalStatus(client, `${kind}-${text}`);
    if (found) return found;
  }
  return undefined;
}

export type DecisionOutcome =
  | { ok: true; status: ApprovalStatus }
  | { ok: false; refusal: Refusal | 'not-found'; message: string; status?: ApprovalStatus };

/** Checks a decision against the current status and, if it counts, raises it to the workflow. */
export async function submitDecision(
  client: df.DurableClient,
  id: string,
  input: DecisionInput,
): Promise<DecisionOutcome> {
  const status = await approvalStatus(client, id);
  if (!status) return { ok: false, refusal: 'not-found', message: `No approval request with id "${id}"` };
  const verdict = evaluate(status, input);
  if (!verdict.accepted) return { ok: false, refusal: verdict.refusal, message: verdict.message, status };
  await client.raiseEvent(id, 'decision', input);
  return { ok: true, status };
}

export type CancelOutcome =
  | { ok: true; status: ApprovalStatus }
  | {
      ok: false;
      refusal: 'not-found' | 'closed' | 'not-requester';
      message: string;
      status?: ApprovalStatus;
    };

export async function cancelApproval(
  client: df.DurableClient,
  id: string,
  requesterId: string,
): Promise<CancelOutcome> {
  const status = await approvalStatus(client, id);
  if (!status) return { ok: false, refusal: 'not-found', message: `No approval request with id "${id}"` };
  if (!isOpen(status))
    return { ok: false, refusal: 'closed', message: `The request is already ${status.state}`, status };
  if (requesterId !== status.requester.id) {
    return {
      ok: false,
      refusal: 'not-requester',
      message: 'Only the requester can cancel a request',
      status,
    };
  }
  await client.raiseEvent(id, 'cancel', { requesterId });
  return { ok: true, status };
}
