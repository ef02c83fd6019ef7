/**
 * The rules of deciding, as plain functions: who may decide at a stage, when a stage has enough
 * approvals, and the status that describes a request at any moment. The orchestration, the
 * HTTP API and the bot all apply these same rules.
 */
import type { DocumentRef } from './documents';
import type { ApprovalMode, Stage } from './policy';
import type { ApprovalRequest, User } from './requests';

export type ApprovalState = 'Pending' | 'Approved' | 'Rejected' | 'Expired' | 'Cancelled';

/** A decision as the workflow receives it; `approverId` is the authenticated user's id. */
export interface DecisionInput {
  approverId: string;
  decision: 'approve' | 'reject';
  comment?: string;
  /** Set by clients that may retry (card invokes), so a retry is recognised. */
  decisionId?: string;
}

export interface RecordedDecision {
  stage: number;
  approver: User;
  decision: 'approve' | 'reject';
  comment?: string;
  at: string;
}

export interface StageStatus {
  index: number;
  count: number;
  name: string;
  title: string;
  approvers: User[];
  awaiting: User[];
  mode: ApprovalMode;
  required: number;
  approvals: number;
  deadline: string;
  escalated: boolean;
  startedAt: string;
}

/** The custom status of an approval instance: enough to answer "where is my request?". */
export interface ApprovalStatus {
  id: string;
  kind: ApprovalRequest['kind'];
  title: string;
  requester: User;
  request: ApprovalRequest['details'];
  score?: number;
  createdAt: string;
  state: ApprovalState;
  stage?: StageStatus;
  decisions: RecordedDecision[];
  unreachable: User[];
  /** Ids of everyone asked to approve so far, at every stage and escalation (who may see it). */
  approversAsked?: string[];
  /** The approval policy that routed the request (see policy.ts). */
  policyVersion?: string;
  reason?: string;
  closedAt?: string;
  /** Who closed it, when a person did (a cancellation); absent when Signoff did. */
  closedBy?: string;
  /** The documents to review. Absent on requests started before Signoff took documents. */
  documents?: DocumentRef[];
  /** Documents asked of the requester (by the policy, or by an approver), open or delivered. */
  documentRequests?: DocumentRequest[];
  /** Set while the workflow waits for something outside it to come back (table storage). */
  waitingFor?: { what: string; since: string; error: string };
}

/**
 * A document asked of the requester: by the policy before the first stage (`policy`), or by an
 * approver during a stage (`approver`, with their note). `documentId` is set when one arrived.
 */
export interface DocumentRequest {
  reason: 'policy' | 'approver';
  by?: User;
  note: string;
  at: string;
  documentId?: string;
  arrivedAt?: string;
}

/** The document requests still waiting for a document. */
export const openDocumentRequests = (status: Pick<ApprovalStatus, 'documentRequests'>): DocumentRequest[] =>
  (status.documentRequests ?? []).filter((r) => !r.documentId);

/** Whether the request takes documents (it started since Signoff took them). */
export const takesDocuments = (status: Pick<ApprovalStatus, 'documents'>): boolean =>
  status.documents !== undefined;

export type Refusal = 'closed' | 'not-an-approver' | 'self-approval' | 'already-decided' | 'comment-required';

export type Verdict =
  | { accepted: true; stageComplete: boolean; rejected: boolean }
  | { accepted: false; refusal: Refusal; message: string };

export function requiredApprovals(mode: ApprovalMode, approverCount: number): number {
  switch (mode.type) {
    case 'any':
      return 1;
    case 'all':
      return approverCount;
    case 'nOf':
      return Math.min(mode.n, approverCount);
  }
}

export function describeMode(mode: ApprovalMode, approverCount: number): string {
  switch (mode.type) {
    case 'any':
      return 'any one approver';
    case 'all':
      return `all ${approverCount} approvers`;
    case 'nOf':
      return `${mode.n} of ${approverCount} approvers`;
  }
}

/** Whether `input` counts at the current stage of `status`, and what it does. */
export function evaluate(status: ApprovalStatus, input: DecisionInput): Verdict {
  const stage = status.stage;
  if (status.state !== 'Pending' || !stage) {
    return { accepted: false, refusal: 'closed', message: `The request is already ${status.state}` };
  }
  if (input.approverId === status.requester.id) {
    return {
      accepted: false,
      refusal: 'self-approval',
      message: 'Requesters cannot decide on their own request',
    };
  }
  if (!stage.approvers.some((a) => a.id === input.approverId)) {
    return {
      accepted: false,
      refusal: 'not-an-approver',
      message: `Only the approvers of stage "${stage.title}" can decide now`,
    };
  }
  if (status.decisions.some((d) => d.stage === stage.index && d.approver.id === input.approverId)) {
    return { accepted: false, refusal: 'already-decided', message: 'You have already decided at this stage' };
  }
  if (input.decision === 'reject' && !input.comment?.trim()) {
    return { accepted: false, refusal: 'comment-required', message: 'A rejection needs a comment' };
  }
  if (input.decision === 'reject') return { accepted: true, stageComplete: true, rejected: true };
  return { accepted: true, stageComplete: stage.approvals + 1 >= stage.required, rejected: false };
}

/**
 * The decision `input` repeats, if it repeats one: the approver's own recorded decision, made the
 * same way. While the approver has a say at the current stage, only a decision there counts (one
 * at an earlier stage is not repeated by deciding now); otherwise, their latest decision, which
 * may have moved the request on or closed it. A client that retries after losing the answer gets
 * this decision back instead of a refusal.
 */
export function repeatedDecision(status: ApprovalStatus, input: DecisionInput): RecordedDecision | undefined {
  const mine = status.decisions.filter((d) => d.approver.id === input.approverId);
  const stage = status.state === 'Pending' ? status.stage : undefined;
  const current = stage?.approvers.some((a) => a.id === input.approverId);
  const candidate = current ? mine.find((d) => d.stage === stage?.index) : mine[mine.length - 1];
  return candidate?.decision === input.decision ? candidate : undefined;
}

export function stageStatus(
  stage: Stage,
  index: number,
  count: number,
  startedAt: number,
  deadline: number,
): StageStatus {
  return {
    index,
    count,
    name: stage.name,
    title: stage.title,
    approvers: stage.approvers,
    awaiting: stage.approvers,
    mode: stage.mode,
    required: requiredApprovals(stage.mode, stage.approvers.length),
    approvals: 0,
    deadline: new Date(deadline).toISOString(),
    escalated: false,
    startedAt: new Date(startedAt).toISOString(),
  };
}

/** Applies an accepted decision to the status (pure: returns a new status). */
export function applyDecision(
  status: ApprovalStatus,
  approver: User,
  input: DecisionInput,
  at: number,
): ApprovalStatus {
  const stage = status.stage as StageStatus;
  const decision: RecordedDecision = {
    stage: stage.index,
    approver,
    decision: input.decision,
    at: new Date(at).toISOString(),
    ...(input.comment?.trim() ? { comment: input.comment.trim() } : {}),
  };
  return {
    ...status,
    decisions: [...status.decisions, decision],
    stage: {
      ...stage,
      approvals: stage.approvals + (input.decision === 'approve' ? 1 : 0),
      awaiting: stage.awaiting.filter((a) => a.id !== approver.id),
    },
  };
}

export function isOpen(status: Pick<ApprovalStatus, 'state'>): boolean {
  return status.state === 'Pending';
}
