/**
 * Lists of requests, as a person sees them: those they asked for, and those they are asked to
 * approve (kept in an index beside the workflows, so listing never scans instances).
 */
import type { ApprovalState } from './decide';

export type ListRole = 'requester' | 'approver';

export interface IndexRow {
  id: string;
  kind: string;
  title: string;
  state: ApprovalState;
  stage: string;
  /** On approver rows: whether the request is waiting for this approver now. */
  awaitingMe: boolean;
  requesterId: string;
  requesterName: string;
  createdAt: string;
  updatedAt: string;
}

export interface IndexPage {
  items: IndexRow[];
  continuationToken?: string;
}

export interface IndexQuery {
  state?: ApprovalState;
  /** Only rows where the request waits for this approver now. */
  awaitingMe?: boolean;
  pageSize: number;
  continuationToken?: string;
}
