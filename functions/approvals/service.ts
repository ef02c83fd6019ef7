/**
 * The operations every client of approvals uses (the HTTP API and the Teams bot alike): start a
 * request, read its status, decide, cancel. Each acts as an authenticated {@link Actor} and
 * applies the access rules (access.ts) and the rules of deciding (decide.ts) before raising an
 * event, so callers get an immediate, specific answer; the workflow applies them again.
 */
import { randomBytes } from 'node:crypto';
import type * as df from 'durable-functions';
import type { ApprovalsPort, CancelOutcome, DecisionOutcome } from '../../bot';
import {
  type Actor,
  cancelsAs,
  canView,
  mayAddDocument,
  mayAskForDocument,
  mayReadDocuments,
} from '../../domain/access';
import {
  type ApprovalStatus,
  type DecisionInput,
  evaluate,
  isOpen,
  repeatedDecision,
  takesDocuments,
} from '../../domain/decide';
import { checkDocument, type DocumentRef, documentName } from '../../domain/documents';
import type { Stage } from '../../domain/policy';
import { parseRequest, type User } from '../../domain/requests';
import { readerNow, workloadFigures } from '../../domain/workload';
import { documentLink, listDocuments, sha256Of, storeDocument } from './documents';
import {
  APPROVAL_ORCHESTRATOR,
  type CancelEvent,
  WORKFLOW_VERSION,
  type WorkflowInput,
} from './orchestration';
import { archivePolicy } from './policyArchive';
import { currentPolicy } from './policyFile';
import { queryIndex } from './records';
import { approvalSlaMs } from './sla';
import { readWorkload } from './workload';

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

/**
 * Validates the request and starts the workflow under the current policy (archived first, so the
 * workflow can route by it). `requester` is the authenticated user. The stages are returned for
 * the caller to show; the workflow works them out again from the policy version.
 */
export async function startApproval(
  client: df.DurableClient,
  kind: string,
  details: unknown,
  requester: User,
): Promise<Started> {
  const request = parseRequest(kind, details);
  const policy = currentPolicy();
  const stages = policy.stagesFor(request);
  await archivePolicy(policy);
  const id = newRequestId(request.kind);
  const slaMs = approvalSlaMs();
  const input: WorkflowInput = {
    id,
    request,
    requester,
    policyVersion: policy.version,
    ...(slaMs ? { slaMs } : {}),
    workflowVersion: WORKFLOW_VERSION,
  };
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

/** The request as `actor` may see it: undefined when there is none or they have no part in it. */
export async function approvalStatusFor(
  client: df.DurableClient,
  id: string,
  actor: Actor,
): Promise<ApprovalStatus | undefined> {
  const status = await approvalStatus(client, id);
  return status && canView(status, actor) ? status : undefined;
}

/**
 * Finds a request `actor` may see by its full id or by the short part after the kind
 * ("7k2m9qxd").
 */
export async function findApproval(
  client: df.DurableClient,
  idOrShort: string,
  actor: Actor,
): Promise<ApprovalStatus | undefined> {
  const text = idOrShort.trim().toLowerCase();
  const direct = await approvalStatusFor(client, text, actor);
  if (direct || text.includes('-')) return direct;
  for (const kind of ['loan', 'generic']) {
    const found = await approvalStatusFor(client, `${kind}-${text}`, actor);
    if (found) return found;
  }
  return undefined;
}

const notFound = (id: string) => ({
  ok: false as const,
  refusal: 'not-found' as const,
  message: `No approval request with id "${id}"`,
});

/** A decision, made by the authenticated `actor` (who becomes its `approverId`). */
export type Decision = Omit<DecisionInput, 'approverId'>;

/**
 * Checks `actor`'s decision against the current status and, if it counts, raises it to the
 * workflow. Someone with no part in the request gets `not-found`.
 */
export async function submitDecision(
  client: df.DurableClient,
  id: string,
  actor: Actor,
  decision: Decision,
  seen?: ApprovalStatus,
): Promise<DecisionOutcome> {
  // The status the caller read a moment ago for this actor, or read here. Either way the workflow
  // checks the decision again against its own state when the event arrives.
  const status =
    seen && seen.id === id && canView(seen, actor) ? seen : await approvalStatusFor(client, id, actor);
  if (!status) return notFound(id);
  const input: DecisionInput = { ...decision, approverId: actor.id };
  const repeated = repeatedDecision(status, input);
  if (repeated) return { ok: true, status, repeated };
  const verdict = evaluate(status, input);
  if (!verdict.accepted) return { ok: false, refusal: verdict.refusal, message: verdict.message, status };
  await client.raiseEvent(id, 'decision', input);
  return { ok: true, status };
}

/** Cancels as `actor`: the requester, or an admin. `name` is shown in the outcome of an admin's cancel. */
export async function cancelApproval(
  client: df.DurableClient,
  id: string,
  actor: Actor & { name: string },
): Promise<CancelOutcome> {
  const status = await approvalStatusFor(client, id, actor);
  if (!status) return notFound(id);
  if (status.state === 'Cancelled' && status.closedBy === actor.id)
    return { ok: true, status, repeated: true };
  if (!isOpen(status))
    return { ok: false, refusal: 'closed', message: `The request is already ${status.state}`, status };
  const as = cancelsAs(status, actor);
  if (!as) {
    return {
      ok: false,
      refusal: 'not-requester',
      message: 'Only the requester (or an admin) can cancel a request',
      status,
    };
  }
  await client.raiseEvent(id, 'cancel', { by: actor.id, byName: actor.name, as } satisfies CancelEvent);
  return { ok: true, status };
}

export type DocumentRefusal = 'not-found' | 'not-requester' | 'closed' | 'no-documents' | 'not-an-approver';

export type DocumentOutcome =
  | { ok: true; document: DocumentRef; repeated: boolean }
  | { ok: false; refusal: DocumentRefusal; message: string };

/**
 * Adds a document as `actor` (the requester, while the request is open): checked against the
 * limits (domain/documents.ts, which throws DocumentRejectedError naming the problem), stored,
 * then raised to the workflow, which lists and audits it. The same content again is the same
 * document (`repeated`).
 */
export async function addDocument(
  client: df.DurableClient,
  id: string,
  actor: Actor,
  rawName: string | null,
  bytes: Uint8Array,
  at = new Date().toISOString(),
): Promise<DocumentOutcome> {
  const status = await approvalStatusFor(client, id, actor);
  if (!status) return notFound(id);
  if (!mayAddDocument(status, actor)) {
    return {
      ok: false,
      refusal: 'not-requester',
      message: 'Only the requester can add documents to a request',
    };
  }
  if (!isOpen(status)) {
    return { ok: false, refusal: 'closed', message: `The request is already ${status.state}` };
  }
  if (!takesDocuments(status)) {
    return {
      ok: false,
      refusal: 'no-documents',
      message: 'This request started before Signoff took documents; start a new request to attach one',
    };
  }
  const name = documentName(rawName);
  const sha256 = sha256Of(bytes);
  const existing = await listDocuments(status.id);
  const type = checkDocument(name, bytes, existing, sha256);
  const known = existing.find((d) => d.sha256 === sha256);
  const document =
    known ?? (await storeDocument(status.id, name, type.mediaType, bytes, sha256, actor.id, at));
  // Raised again for a repeat too: an upload whose event was lost is delivered by its retry.
  await client.raiseEvent(status.id, 'document', { document });
  return { ok: true, document, repeated: known !== undefined };
}

/** The request's documents as `actor` may see them: with a link each for its requester and approvers. */
export async function documentsFor(
  status: ApprovalStatus,
  actor: Actor,
  origin: string,
): Promise<Array<DocumentRef & { url?: string; expiresAt?: string }>> {
  if (!takesDocuments(status)) return [];
  const docs = await listDocuments(status.id);
  if (!mayReadDocuments(status, actor)) return docs;
  return Promise.all(
    docs.map(async (d) => ({ ...d, ...(await documentLink(origin, status.id, d.id, actor.id)) })),
  );
}

/** A link for `actor` to open one document of the request, if they may. */
export async function documentLinkFor(
  client: df.DurableClient,
  id: string,
  documentId: string,
  actor: Actor,
  origin: string,
): Promise<{ document: DocumentRef; url: string; expiresAt: string } | undefined> {
  const status = await approvalStatusFor(client, id, actor);
  if (!status || !mayReadDocuments(status, actor) || !takesDocuments(status)) return undefined;
  const document = (await listDocuments(status.id)).find((d) => d.id === documentId);
  if (!document) return undefined;
  return { document, ...(await documentLink(origin, status.id, document.id, actor.id)) };
}

/** An approver of the current stage asks the requester for another document, with a note. */
export async function askForDocument(
  client: df.DurableClient,
  id: string,
  actor: Actor,
  note: string,
): Promise<{ ok: true; status: ApprovalStatus } | { ok: false; refusal: DocumentRefusal; message: string }> {
  const status = await approvalStatusFor(client, id, actor);
  if (!status) return notFound(id);
  if (!isOpen(status))
    return { ok: false, refusal: 'closed', message: `The request is already ${status.state}` };
  if (!takesDocuments(status)) {
    return {
      ok: false,
      refusal: 'no-documents',
      message: 'This request started before Signoff took documents',
    };
  }
  if (!mayAskForDocument(status, actor)) {
    return {
      ok: false,
      refusal: 'not-an-approver',
      message: 'Only an approver of the current stage can ask for another document',
    };
  }
  await client.raiseEvent(status.id, 'document-request', { by: actor.id, note });
  return { ok: true, status };
}

/** The approvals of one invocation's durable client, as the bot asks for them (bot/ports.ts). */
export function approvalsFor(client: df.DurableClient, origin: string): ApprovalsPort {
  return {
    start: async (kind, details, requester) => {
      const started = await startApproval(client, kind, details, requester);
      return { id: started.id, stages: started.stages.map((s) => s.title) };
    },
    find: (idOrShort, actor) => findApproval(client, idOrShort, actor),
    decide: (id, actor, decision, seen) => submitDecision(client, id, actor, decision, seen),
    cancel: (id, actor) => cancelApproval(client, id, actor),
    list: (role, userId, query) => queryIndex(role, userId, query),
    documentLink: (id, documentId, actor) => documentLinkFor(client, id, documentId, actor, origin),
    askForDocument: async (id, actor, note) => {
      const asked = await askForDocument(client, id, actor, note);
      return asked.ok ? { ok: true } : asked;
    },
    addDocument: (id, actor, name, bytes) => addDocument(client, id, actor, name, bytes),
    workload: async (approverId) => {
      const state = await readWorkload(client, approverId);
      // "This week" by this app's clock, or the workflow's when that is ahead (a virtual clock).
      return state && workloadFigures(state, readerNow(state, Date.now()));
    },
  };
}
