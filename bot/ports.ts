/**
 * What the bot needs from the rest of the app, given to it by the function app (functions/),
 * which owns the durable client and the storage account: approvals to start, read, decide and
 * cancel, and the Azure Tables the bot keeps its own rows in. The bot never reaches for them
 * itself, so it depends on nothing above it.
 */
import type { TableClient } from '@azure/data-tables';
import type { Actor } from '../domain/access';
import type { ApprovalStatus, RecordedDecision, Refusal } from '../domain/decide';
import type { DocumentRef } from '../domain/documents';
import type { IndexPage, IndexQuery, ListRole } from '../domain/lists';
import type { RequestKind, User } from '../domain/requests';
import type { WorkloadFigures } from '../domain/workload';

/** A table of the app's storage account by name, created on first use. */
export type TableSource = (name: string) => Promise<TableClient>;

export interface Started {
  id: string;
  /** Titles of the stages the request will pass, in order. */
  stages: string[];
}

export type DecisionOutcome =
  /** Accepted; `repeated` when the approver had already made this decision (a retry). */
  | { ok: true; status: ApprovalStatus; repeated?: RecordedDecision }
  | { ok: false; refusal: Refusal | 'not-found'; message: string; status?: ApprovalStatus };

export type CancelOutcome =
  /** Accepted; `repeated` when this person had already cancelled it (a retry). */
  | { ok: true; status: ApprovalStatus; repeated?: boolean }
  | {
      ok: false;
      refusal: 'not-found' | 'closed' | 'not-requester';
      message: string;
      status?: ApprovalStatus;
    };

/** Approvals, as the function app runs them, for one invocation. */
export interface ApprovalsPort {
  /** Starts a request; invalid details throw the domain's ValidationError or NoMatchingRuleError. */
  start(kind: RequestKind, details: Record<string, unknown>, requester: User): Promise<Started>;
  /** A request `actor` may see, by full or short id. */
  find(idOrShort: string, actor: Actor): Promise<ApprovalStatus | undefined>;
  /**
   * `seen`: the request as the caller has just read it with `find` for this actor, which the
   * decision is then checked against instead of reading it again (one status read per click).
   */
  decide(
    id: string,
    actor: Actor,
    decision: { decision: 'approve' | 'reject'; comment?: string; decisionId?: string },
    seen?: ApprovalStatus,
  ): Promise<DecisionOutcome>;
  cancel(id: string, actor: Actor & { name: string }): Promise<CancelOutcome>;
  list(role: ListRole, userId: string, query: IndexQuery): Promise<IndexPage>;
  /**
   * The approver's workload (their ApproverWorkload entity, domain/workload.ts) now, or undefined
   * while none is recorded for them. `approverId` is the authenticated user's own id.
   */
  workload(approverId: string): Promise<WorkloadFigures | undefined>;
  /**
   * A short-lived link for `actor` to open one document of the request, or undefined when they
   * may not (not its requester or an approver) or there is no such document.
   */
  documentLink(id: string, documentId: string, actor: Actor): Promise<DocumentLink | undefined>;
  /** An approver of the current stage asks the requester for another document. */
  askForDocument(id: string, actor: Actor, note: string): Promise<DocumentAnswer>;
  /**
   * Adds a document as `actor` (the requester). A document over the limits throws the domain's
   * DocumentRejectedError naming the problem.
   */
  addDocument(id: string, actor: Actor, name: string, bytes: Uint8Array): Promise<DocumentAnswer>;
}

export interface DocumentLink {
  document: DocumentRef;
  url: string;
  expiresAt: string;
}

export type DocumentAnswer =
  | { ok: true; document?: DocumentRef; repeated?: boolean }
  | {
      ok: false;
      refusal: 'not-found' | 'not-requester' | 'closed' | 'no-documents' | 'not-an-approver';
      message: string;
    };

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
]);

/**
 * Table storage did not answer, or answered that it is unavailable (5xx): the same call later
 * may succeed. Not found, conflicts and bad requests are answers, not outages.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { name?: string; code?: unknown; statusCode?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (e.name === 'RestError')
    return e.statusCode === undefined || (typeof e.statusCode === 'number' && e.statusCode >= 500);
  return e.cause !== undefined && e.cause !== error && isStorageUnavailable(e.cause);
}
