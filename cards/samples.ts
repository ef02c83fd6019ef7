/**
 * Representative data for every card, shared by the tests and `npm run cards:preview`: a loan
 * waiting at its first stage, the same loan decided, a generic request with 100 approvers, a
 * worst case with very long text and many decisions, and the index rows of the two lists.
 * {@link sampleCards} renders every card from them.
 */
import type { ApprovalStatus, RecordedDecision, StageStatus } from '../domain/decide';
import type { IndexRow } from '../domain/lists';
import type { User } from '../domain/requests';
import {
  type AdaptiveCardJson,
  approvalCard,
  decisionRecordedCard,
  errorCard,
  helpCard,
  myRequestsCard,
  outcomeCard,
  pendingCard,
  requesterCard,
  requestFormCard,
  statusCard,
  withDocumentLink,
} from './index';

export function user(n: number, name = `Approver ${n}`): User {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name,
    email: `user${n}@contoso.example`,
  };
}

export const requester: User = { id: 'aad-requester-1', name: 'Megan Bowen', email: 'megan@contoso.example' };
const adele: User = { id: 'aad-adele', name: 'Adele Vance', email: 'adele@contoso.example' };
const lee: User = { id: 'aad-lee', name: 'Lee Gu', email: 'lee@contoso.example' };
const isaiah: User = { id: 'aad-isaiah', name: 'Isaiah Langer', email: 'isaiah@contoso.example' };
const nestor: User = { id: 'aad-nestor', name: 'Nestor Wilke', email: 'nestor@contoso.example' };

const managerStage: StageStatus = {
  index: 0,
  count: 2,
  name: 'manager',
  title: 'Line manager',
  approvers: [adele, lee, isaiah],
  awaiting: [lee, isaiah],
  mode: { type: 'nOf', n: 2 },
  required: 2,
  approvals: 1,
  deadline: '2025-03-12T16:00:00.000Z',
  escalated: false,
  startedAt: '2025-03-10T09:15:00.000Z',
};

const adeleApproves: RecordedDecision = {
  stage: 0,
  approver: adele,
  decision: 'approve',
  comment: 'Fine by me: the quote is in line with last year.',
  at: '2025-03-10T10:02:00.000Z',
};

/** A loan at its first of two stages: one approval of two, one approver Signoff could not reach. */
export const pendingLoan: ApprovalStatus = {
  id: 'loan-7k2m9qxd',
  kind: 'loan',
  title: 'Loan of 25,000 EUR for Contoso Field Services',
  requester,
  request: {
    applicant: 'Contoso Field Services',
    amount: 25000,
    currency: 'EUR',
    purpose:
      'Replace the two oldest service vans before the spring season; quotes attached in the team channel.',
    termMonths: 36,
  },
  score: 42,
  createdAt: '2025-03-10T09:15:00.000Z',
  state: 'Pending',
  stage: managerStage,
  decisions: [adeleApproves],
  unreachable: [nestor],
};

/** The decision Lee just made on {@link pendingLoan}, as the clicker's confirmation shows it. */
export const leeRejects: RecordedDecision = {
  stage: 0,
  approver: lee,
  decision: 'reject',
  comment: 'We agreed to lease vans this year instead of buying them.',
  at: '2025-03-10T11:30:00.000Z',
};

export const rejectedLoan: ApprovalStatus = {
  ...pendingLoan,
  state: 'Rejected',
  stage: { ...managerStage, awaiting: [isaiah] },
  decisions: [adeleApproves, leeRejects],
  reason: 'Rejected by Lee Gu at stage "Line manager"',
  closedAt: '2025-03-10T11:30:05.000Z',
};

export const approvedGeneric: ApprovalStatus = {
  id: 'gen-4hq8d2aa',
  kind: 'generic',
  title: 'Design team laptops',
  requester: isaiah,
  request: {
    title: 'Design team laptops',
    details: 'Three laptops for the new hires starting in April.',
    amount: 5400,
    currency: 'USD',
  },
  createdAt: '2025-03-03T08:00:00.000Z',
  state: 'Approved',
  decisions: [
    { stage: 0, approver: adele, decision: 'approve', at: '2025-03-03T09:00:00.000Z' },
    {
      stage: 1,
      approver: nestor,
      decision: 'approve',
      comment: 'Approved within budget.',
      at: '2025-03-04T14:20:00.000Z',
    },
  ],
  unreachable: [],
  reason: 'Every stage approved',
  closedAt: '2025-03-04T14:20:01.000Z',
};

export const expiredGeneric: ApprovalStatus = {
  ...approvedGeneric,
  id: 'gen-9zz1x0cc',
  title: 'Access to the finance share',
  request: { title: 'Access to the finance share', details: '' },
  state: 'Expired',
  decisions: [],
  reason: 'No decision at stage "IT owner" by its deadline',
};

export const cancelledLoan: ApprovalStatus = {
  ...pendingLoan,
  state: 'Cancelled',
  reason: 'Cancelled by the requester',
  closedAt: '2025-03-11T08:00:00.000Z',
};

/** A generic request whose only stage has 100 approvers: more than Teams refreshes for. */
export const crowdRequest: ApprovalStatus = {
  id: 'gen-crowd0001',
  kind: 'generic',
  title: 'Company-wide policy update',
  requester,
  request: {
    title: 'Company-wide policy update',
    details: 'Every team lead signs off on the new travel policy.',
  },
  createdAt: '2025-03-10T09:00:00.000Z',
  state: 'Pending',
  stage: {
    index: 0,
    count: 1,
    name: 'leads',
    title: 'Team leads',
    approvers: Array.from({ length: 100 }, (_, i) => user(i + 1)),
    awaiting: Array.from({ length: 100 }, (_, i) => user(i + 1)),
    mode: { type: 'any' },
    required: 1,
    approvals: 0,
    deadline: '2025-03-17T09:00:00.000Z',
    escalated: true,
    startedAt: '2025-03-10T09:00:00.000Z',
  },
  decisions: [],
  unreachable: [],
};

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';

/** Long text of exactly `length` characters, words all the way. */
export function longText(length: number): string {
  return LOREM.repeat(Math.ceil(length / LOREM.length)).slice(0, length);
}

/** As large as a request gets: 5,000-character purpose and title, 80 decisions with long comments, long names. */
export const worstCase: ApprovalStatus = {
  ...crowdRequest,
  id: 'loan-worstcase',
  kind: 'loan',
  title: longText(5000),
  requester: { ...requester, name: longText(256) },
  request: {
    applicant: longText(200),
    amount: 999_999_999_999.99,
    currency: 'CHF',
    purpose: longText(5000),
    termMonths: 600,
  },
  score: 97,
  decisions: Array.from({ length: 80 }, (_, i) => ({
    stage: 0,
    approver: { ...user(i + 1), name: `${longText(200)} ${i}` },
    decision: i % 2 === 0 ? 'approve' : 'reject',
    comment: longText(4000),
    at: '2025-03-11T10:00:00.000Z',
  })),
  unreachable: Array.from({ length: 40 }, (_, i) => ({ ...user(200 + i), name: longText(256) })),
  reason: longText(3000),
};

export const indexRows: IndexRow[] = [
  {
    id: pendingLoan.id,
    kind: 'loan',
    title: pendingLoan.title,
    state: 'Pending',
    stage: 'Line manager',
    awaitingMe: true,
    requesterId: requester.id,
    requesterName: requester.name,
    createdAt: pendingLoan.createdAt,
    updatedAt: '2025-03-10T10:02:00.000Z',
  },
  {
    id: approvedGeneric.id,
    kind: 'generic',
    title: approvedGeneric.title,
    state: 'Approved',
    stage: '',
    awaitingMe: false,
    requesterId: requester.id,
    requesterName: requester.name,
    createdAt: approvedGeneric.createdAt,
    updatedAt: '2025-03-04T14:20:01.000Z',
  },
  {
    id: crowdRequest.id,
    kind: 'generic',
    title: crowdRequest.title,
    state: 'Pending',
    stage: 'Team leads',
    awaitingMe: true,
    requesterId: requester.id,
    requesterName: 'Megan Bowen',
    createdAt: crowdRequest.createdAt,
    updatedAt: crowdRequest.createdAt,
  },
  {
    id: expiredGeneric.id,
    kind: 'generic',
    title: expiredGeneric.title,
    state: 'Expired',
    stage: 'IT owner',
    awaitingMe: false,
    requesterId: requester.id,
    requesterName: requester.name,
    createdAt: '2025-02-20T08:00:00.000Z',
    updatedAt: '2025-02-22T08:00:00.000Z',
  },
];

/** The worst case again in wide characters (3 UTF-8 bytes each), which triples its byte size. */
export const worstCaseWide: ApprovalStatus = {
  ...worstCase,
  id: 'loan-worstwide',
  title: '審査'.repeat(2500),
  request: {
    ...(worstCase.request as object),
    purpose: '融資の目的'.repeat(1000),
  } as ApprovalStatus['request'],
  decisions: worstCase.decisions.map((d) => ({
    ...d,
    approver: { ...d.approver, name: '山田太郎'.repeat(40) },
    comment: '理由'.repeat(2000),
  })),
  unreachable: worstCase.unreachable.map((u) => ({ ...u, name: '鈴木花子'.repeat(40) })),
};

/** Every card Signoff sends, rendered from the samples, by a file-name-friendly name. */
/** A loan with two documents, one of them asked for by an approver, and one more asked for still. */
export const documentedLoan: ApprovalStatus = {
  ...pendingLoan,
  documents: [
    {
      id: 'd-3f1c9a0b7e2d4c11',
      name: 'Payslip February 2025.pdf',
      mediaType: 'application/pdf',
      size: 184_320,
      sha256: '3f1c9a0b7e2d4c11a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8',
      uploadedBy: requester.id,
      uploadedAt: '2025-03-10T09:16:00.000Z',
    },
    {
      id: 'd-77aa01bc02cd03de',
      name: 'Van quote.xlsx',
      mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      size: 23_552,
      sha256: '77aa01bc02cd03de04ef05f006a107b208c309d40ae50bf60c070d180e290f3a',
      uploadedBy: requester.id,
      uploadedAt: '2025-03-10T11:02:00.000Z',
    },
  ],
  documentRequests: [
    {
      reason: 'approver',
      by: adele,
      note: 'The supplier quote for the vans',
      at: '2025-03-10T10:05:00.000Z',
      documentId: 'd-77aa01bc02cd03de',
      arrivedAt: '2025-03-10T11:02:00.000Z',
    },
    { reason: 'approver', by: lee, note: "Last year's balance sheet", at: '2025-03-10T11:40:00.000Z' },
  ],
};

export function sampleCards(): Record<string, AdaptiveCardJson> {
  return {
    'approval-approver': approvalCard(pendingLoan, 'approver'),
    'approval-comment-needed': approvalCard(pendingLoan, 'approver', {
      notice: 'Add a comment to reject: the requester will want to know why.',
    }),
    'approval-readonly': approvalCard(pendingLoan, 'readonly'),
    'approval-documents': approvalCard(documentedLoan, 'approver'),
    'requester-documents': requesterCard(documentedLoan),
    'document-link': withDocumentLink(approvalCard(documentedLoan, 'approver'), {
      name: 'Payslip February 2025.pdf',
      url: 'https://signoff.contoso.example/api/documents/loan-7k2m9qxd/d-3f1c9a0b7e2d4c11?u=aad-lee&exp=1741605000&sig=sample',
      minutes: 5,
    }),
    'approval-crowd': approvalCard(crowdRequest, 'approver'),
    'approval-worst-case': approvalCard(worstCase, 'approver'),
    'decision-recorded': decisionRecordedCard(rejectedLoan, leeRejects),
    'outcome-rejected': outcomeCard(rejectedLoan),
    'outcome-approved': outcomeCard(approvedGeneric),
    'outcome-expired': outcomeCard(expiredGeneric),
    'outcome-cancelled': outcomeCard(cancelledLoan),
    'requester-pending': requesterCard(pendingLoan),
    'requester-approved': requesterCard(approvedGeneric),
    'requester-rejected': requesterCard(rejectedLoan),
    'status-pending': statusCard(pendingLoan),
    'status-pending-requester': statusCard(pendingLoan, 'requester'),
    'status-approved': statusCard(approvedGeneric),
    'my-requests': myRequestsCard(indexRows),
    'my-requests-empty': myRequestsCard([]),
    pending: pendingCard(indexRows),
    'pending-empty': pendingCard([]),
    'pending-workload': pendingCard(indexRows, {
      open: 2,
      oldestOpenSince: '2026-11-23T09:00:00.000Z',
      decidedThisWeek: 5,
      weekStart: '2026-11-23T00:00:00.000Z',
      averageDecisionMs: 3 * 3_600_000 + 12 * 60_000,
      averagedOver: 9,
    }),
    'form-loan': requestFormCard('loan', {
      amount: 2500,
      currency: 'usd',
      purpose: 'Laptop for the new designer',
    }),
    'form-generic': requestFormCard('generic', { title: 'Conference ticket', amount: -120 }, [
      { field: 'details.amount', rule: 'must not be negative' },
    ]),
    help: helpCard(),
    'help-suggestion': helpCard('status'),
    error: errorCard('Only the approvers of stage "Line manager" can decide now'),
  };
}
