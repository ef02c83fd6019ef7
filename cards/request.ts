/**
 * The cards that show one approval request: the card approvers decide on, the confirmation the
 * clicker gets, the requester's own card, the final outcome, and the answer to `status <id>`. All
 * are one template (templates/request.json) bound to a view built here from the workflow's custom
 * status, so they always show the same facts in the same place.
 *
 * Who reads a card decides what it shows ({@link Audience}): approvers see the risk score and the
 * approvers Signoff could not reach (they may nudge a colleague); the requester, who can fix
 * neither, reads that the request waits for its approvers, and can cancel it.
 *
 * Colours: text is coloured only where the colour stays readable (WCAG 4.5:1) on Teams' light
 * theme: Accent and Attention on white or the emphasis grey. A state shows as the container's
 * background (good, attention, warning) under text of the default colour, because Teams' Good
 * green and Warning yellow are too light to read as text on white.
 */

import { COMMANDS } from '../domain/commands';
import {
  type ApprovalStatus,
  openDocumentRequests,
  type RecordedDecision,
  type StageStatus,
  takesDocuments,
} from '../domain/decide';
import { describeDocument } from '../domain/documents';
import type { GenericRequest, LoanRequest } from '../domain/requests';
import { type AdaptiveCardJson, compileTemplate } from './card';
import type { pendingCard } from './lists';
import template from './templates/request.json';
import {
  CARD_BYTE_BUDGET,
  cardDateTime,
  displayName,
  fitOr,
  formatAmount,
  joinNames,
  LIST_LIMITS,
  plural,
  TEXT_LIMITS,
} from './text';

type Color = 'Default' | 'Accent' | 'Attention';
type ContainerStyle = 'default' | 'emphasis' | 'accent' | 'good' | 'warning' | 'attention';

interface DecisionView {
  verdict: string;
  verdictColor: Color;
  who: string;
  comment: string;
  hasComment: boolean;
}

/** Who reads the card: the requester, or anyone else (approvers, and admins who look it up). */
export type Audience = 'requester' | 'approver';

/** What templates/request.json binds to. Every string is final text; `has*` flags drive `$when`. */
interface RequestView {
  requestId: string;
  /** A refusal to show above everything (e.g. a rejection sent without a comment), in a TextRun. */
  notice: string;
  hasNotice: boolean;
  kindLabel: string;
  headline: string;
  headlineColor: Color;
  headlineStyle: ContainerStyle;
  subline: string;
  hasSubline: boolean;
  /** User text under the headline (the clicker's own comment), in a TextRun. */
  headerNote: string;
  hasHeaderNote: boolean;
  title: string;
  facts: Array<{ label: string; value: string }>;
  purposeLabel: string;
  purpose: string;
  hasPurpose: boolean;
  hasStage: boolean;
  stageLine: string;
  stageRule: string;
  deadlineLine: string;
  deadlineColor: Color;
  awaiting: string;
  hasAwaiting: boolean;
  reason: string;
  hasReason: boolean;
  decisionsHeading: string;
  decisions: DecisionView[];
  hasDecisions: boolean;
  earlierCount: number;
  earlierDecisions: string;
  hasEarlierDecisions: boolean;
  unreachable: string;
  hasUnreachable: boolean;
  overflowNote: string;
  hasOverflowNote: boolean;
  showActions: boolean;
  /** Documents to review: each a button (`Action.Execute` verb `openDocument`) named after it. */
  documentsHeading: string;
  documents: Array<{ title: string; requestId: string; documentId: string }>;
  hasDocuments: boolean;
  /** Documents asked of the requester, open or arrived, one line each. */
  documentNotes: Array<{ text: string; weight: 'Bolder' | 'Default' }>;
  hasDocumentNotes: boolean;
  /** An approver's "Ask for a document" (a note, then verb `askDocument`). */
  showAskDocument: boolean;
  /** The requester's Cancel button (a confirmation, then `Action.Execute` verb `cancel`). */
  showCancel: boolean;
  hasRefresh: boolean;
  refreshUserIds: string[];
}

const expand = compileTemplate<RequestView>('request', template);

/** Renders `view`, leaving out the oldest decisions while the card is over {@link CARD_BYTE_BUDGET}. */
function render(view: RequestView): AdaptiveCardJson {
  let card = expand(view);
  let { decisions } = view;
  let earlier = view.earlierCount;
  while (decisions.length > 0 && Buffer.byteLength(JSON.stringify(card)) > CARD_BYTE_BUDGET) {
    decisions = decisions.slice(1);
    earlier += 1;
    card = expand({ ...view, decisions, ...earlierParts(earlier) });
  }
  return card;
}

function earlierParts(
  count: number,
): Pick<RequestView, 'earlierCount' | 'earlierDecisions' | 'hasEarlierDecisions'> {
  return {
    earlierCount: count,
    earlierDecisions: count > 0 ? `${plural(count, 'earlier decision')} not shown` : '',
    hasEarlierDecisions: count > 0,
  };
}

/** Who sees an approval card: an approver of the current stage gets the buttons, everyone else reads. */
export type ApprovalView = 'approver' | 'readonly';

/**
 * The card posted for a request that is waiting for a decision.
 *
 * - `'approver'`: a comment input, Approve (`Action.Execute` verb `approve`) and Reject (verb
 *   `reject`), each with `data: { requestId }` and the `comment` input: a comment goes with either
 *   decision, and a rejection needs one (the bot answers a rejection without one with this card
 *   again and `notice` on top).
 * - `'readonly'`: the same information without input or buttons.
 *
 * Both carry `refresh` (verb `refresh`, `data: { requestId }`) for the current stage's approvers,
 * so Teams asks the bot for each of them for their own view when the card is shown. Teams
 * refreshes automatically for at most 60 users: with more approvers, `userIds` holds the first 60
 * and the card says that the others see read-only status here and can decide with the Review
 * button of the `pending` command's list (see {@link pendingCard}) or through the approvals HTTP
 * API (`POST /api/approvals/{id}/decision`).
 *
 * A request that is no longer pending gets {@link outcomeCard} instead: nobody can decide on it.
 */
export function approvalCard(
  status: ApprovalStatus,
  view: ApprovalView,
  options: { notice?: string } = {},
): AdaptiveCardJson {
  if (status.state !== 'Pending' || !status.stage) return outcomeCard(status);
  const stage = status.stage;
  const ids = stage.approvers.map((a) => a.id);
  const refreshUserIds = ids.slice(0, LIST_LIMITS.refreshUsers);
  const left = ids.length - refreshUserIds.length;
  const headline = view === 'approver' ? 'Your approval is needed' : 'Waiting for approval';
  const notice = fitOr(options.notice, TEXT_LIMITS.message, '');
  return render({
    ...baseView(status, 'approver'),
    notice,
    hasNotice: notice !== '',
    headline,
    headlineColor: 'Accent',
    headlineStyle: 'emphasis',
    subline: askedOn(status),
    hasSubline: true,
    overflowNote:
      left > 0
        ? `Teams updates this card for the first ${LIST_LIMITS.refreshUsers} approvers only. The other ${left} see read-only status here; they can decide with the Review button in their "${COMMANDS.pending.usage}" list or through the approvals API.`
        : '',
    hasOverflowNote: left > 0,
    showActions: view === 'approver',
    showAskDocument: view === 'approver' && takesDocuments(status),
    hasRefresh: true,
    refreshUserIds,
  });
}

/** What happens next, seen from a decision the workflow may not have processed yet. */
function pendingAfterDecision(status: ApprovalStatus, decision: RecordedDecision): string {
  const stage = status.stage;
  if (!stage) return 'The request is being processed.';
  if (stage.index !== decision.stage)
    return `The request moved on to stage ${stage.index + 1} of ${stage.count}.`;
  if (decision.decision === 'reject') return 'The request is being closed as rejected.';
  if (stage.approvals < stage.required) return 'The request is still waiting for other approvers.';
  return stage.index + 1 < stage.count
    ? `Your approval completes this stage; the request moves on to stage ${stage.index + 2} of ${stage.count}.`
    : 'Your approval completes the last stage; the request is being approved.';
}

/**
 * What the approver who just clicked sees in place of the approval card: their own decision
 * first, then where the request stands. No buttons and no `refresh`, so Teams does not swap it
 * back at once; the next update of the request's card replaces it for everyone.
 */
export function decisionRecordedCard(status: ApprovalStatus, decision: RecordedDecision): AdaptiveCardJson {
  const approved = decision.decision === 'approve';
  const comment = fitOr(decision.comment, TEXT_LIMITS.comment, '', true);
  const next =
    status.state === 'Pending'
      ? pendingAfterDecision(status, decision)
      : `The request is now ${status.state.toLowerCase()}.`;
  return render({
    ...baseView(status, 'approver'),
    ...(status.state === 'Pending' ? {} : closedParts(status)),
    headline: approved ? 'You approved this request' : 'You rejected this request',
    headlineColor: 'Default',
    headlineStyle: approved ? 'good' : 'attention',
    subline: next,
    hasSubline: true,
    headerNote: comment ? `Your comment: ${comment}` : '',
    hasHeaderNote: comment !== '',
  });
}

/**
 * The final word on a request, for every card posted and for the requester: no buttons, no
 * refresh. `audience` as for {@link statusCard}.
 */
export function outcomeCard(status: ApprovalStatus, audience: Audience = 'approver'): AdaptiveCardJson {
  const look = OUTCOME_LOOK[status.state];
  return render({
    ...baseView(status, audience),
    ...closedParts(status),
    headline: look.headline,
    headlineColor: look.color,
    headlineStyle: look.style,
    subline: status.closedAt ? `Closed on ${cardDateTime(status.closedAt)}` : '',
    hasSubline: Boolean(status.closedAt),
  });
}

/**
 * The answer to `status <id>`: where the request stands, who decided, who is still awaited. No
 * decision buttons. For the requester (`audience`), a request still open has a Cancel button, and
 * neither the risk score nor unreachable approvers are shown.
 */
export function statusCard(status: ApprovalStatus, audience: Audience = 'approver'): AdaptiveCardJson {
  const look = OUTCOME_LOOK[status.state];
  const open = status.state === 'Pending';
  return render({
    ...baseView(status, audience),
    ...(open ? {} : closedParts(status)),
    headline: open
      ? openDocumentRequests(status).length > 0
        ? 'Status: waiting for a document'
        : 'Status: waiting for approval'
      : `Status: ${look.headline.toLowerCase()}`,
    headlineColor: open ? 'Accent' : 'Default',
    headlineStyle: open ? 'emphasis' : look.style,
    subline: askedOn(status, audience),
    hasSubline: true,
    showCancel: open && audience === 'requester',
  });
}

/**
 * The requester's own card for a request, kept up to date in place from the moment it is sent
 * until its outcome: where it stands and a Cancel button while it is open, then the outcome.
 */
export function requesterCard(status: ApprovalStatus): AdaptiveCardJson {
  if (status.state !== 'Pending') return outcomeCard(status, 'requester');
  const wanted = openDocumentRequests(status).length > 0;
  return render({
    ...baseView(status, 'requester'),
    headline: wanted ? 'Waiting for a document from you' : 'Waiting for approval',
    headlineColor: 'Accent',
    headlineStyle: 'emphasis',
    subline: askedOn(status, 'requester'),
    hasSubline: true,
    showCancel: true,
  });
}

function askedOn(status: ApprovalStatus, audience: Audience = 'approver'): string {
  return `${audience === 'requester' ? 'You asked' : 'Asked'} on ${cardDateTime(status.createdAt)}`;
}

const OUTCOME_LOOK: Record<
  ApprovalStatus['state'],
  { headline: string; color: Color; style: ContainerStyle }
> = {
  Pending: { headline: 'Waiting for approval', color: 'Accent', style: 'emphasis' },
  Approved: { headline: 'Approved', color: 'Default', style: 'good' },
  Rejected: { headline: 'Rejected', color: 'Default', style: 'attention' },
  Expired: { headline: 'Expired', color: 'Default', style: 'warning' },
  Cancelled: { headline: 'Cancelled', color: 'Default', style: 'emphasis' },
};

/** A closed request shows why it closed, and no stage or unreachable approvers: nobody waits any more. */
function closedParts(status: ApprovalStatus): Partial<RequestView> {
  const reason = fitOr(status.reason, TEXT_LIMITS.reason, '');
  return { hasStage: false, hasAwaiting: false, hasUnreachable: false, reason, hasReason: reason !== '' };
}

/**
 * The card `card` was built from, for `viewer`, with a link to open one document on top: the
 * answer to a document button. The link is the reader's alone and short-lived (see
 * functions/approvals/documents.ts), so the card says so and is never posted to anyone else.
 */
export function withDocumentLink(
  card: AdaptiveCardJson,
  link: { name: string; url: string; minutes: number },
): AdaptiveCardJson {
  const box = {
    type: 'Container',
    style: 'emphasis',
    bleed: true,
    items: [
      {
        type: 'RichTextBlock',
        inlines: [
          {
            type: 'TextRun',
            text: `${fitOr(link.name, TEXT_LIMITS.title, 'The document')} is ready to open. The link is yours alone and works for ${plural(link.minutes, 'minute')}.`,
          },
        ],
      },
      {
        type: 'ActionSet',
        actions: [
          { type: 'Action.OpenUrl', title: `Open ${fitOr(link.name, 60, 'the document')}`, url: link.url },
        ],
      },
    ],
  };
  return { ...card, body: [box, ...card.body] };
}

/** The documents part: the buttons that open them and what was asked of the requester. */
function documentParts(
  status: ApprovalStatus,
  audience: Audience,
): Pick<
  RequestView,
  'documentsHeading' | 'documents' | 'hasDocuments' | 'documentNotes' | 'hasDocumentNotes'
> {
  const docs = status.documents ?? [];
  const open = status.state === 'Pending';
  const notes = (status.documentRequests ?? []).map((r) => {
    const arrived = r.documentId ? docs.find((d) => d.id === r.documentId) : undefined;
    const what = fitOr(r.note, TEXT_LIMITS.comment, 'a document', true);
    const who = r.by ? displayName(r.by) : undefined;
    const asked =
      r.reason === 'policy'
        ? audience === 'requester'
          ? `Add a document before approvers are asked (the approval policy needs one): ${what}`
          : `The approval policy needs a document from the requester: ${what}`
        : audience === 'requester'
          ? `${who} asks you for another document: ${what}`
          : `${who} asked the requester for another document: ${what}`;
    if (arrived)
      return {
        text: `${asked}. Arrived: ${fitOr(arrived.name, TEXT_LIMITS.title, 'a document')}.`,
        weight: 'Default' as const,
      };
    if (!open) return { text: `${asked}.`, weight: 'Default' as const };
    const how =
      audience === 'requester'
        ? ' Send the file to Signoff in this chat with the request id, or upload it through the approvals API.'
        : ' Waiting for it.';
    return { text: `${asked}.${how}`, weight: 'Bolder' as const };
  });
  return {
    documentsHeading: `Documents to review (${docs.length})`,
    documents: docs.map((d) => ({ title: describeDocument(d), requestId: status.id, documentId: d.id })),
    hasDocuments: docs.length > 0,
    documentNotes: notes,
    hasDocumentNotes: notes.length > 0,
  };
}

/** Everything but the headline: facts, stage, decisions, unreachable approvers. */
function baseView(status: ApprovalStatus, audience: Audience): RequestView {
  const loan = status.kind === 'loan' ? (status.request as LoanRequest) : undefined;
  const generic = status.kind === 'generic' ? (status.request as GenericRequest) : undefined;
  const stage = status.stage;
  const shown = status.decisions.slice(-LIST_LIMITS.decisions);
  const earlier = status.decisions.length - shown.length;
  const toApprover = audience === 'approver';
  const unreachable = toApprover ? status.unreachable.map((u) => displayName(u)) : [];
  const purpose = fitOr(loan?.purpose ?? generic?.details, TEXT_LIMITS.purpose, '', true);

  return {
    requestId: status.id,
    notice: '',
    hasNotice: false,
    kindLabel: status.kind === 'loan' ? 'Loan request' : 'Request',
    headline: '',
    headlineColor: 'Default',
    headlineStyle: 'emphasis',
    subline: '',
    hasSubline: false,
    headerNote: '',
    hasHeaderNote: false,
    title: fitOr(status.title, TEXT_LIMITS.title, 'Untitled request'),
    facts: facts(status, audience),
    purposeLabel: loan ? 'Purpose' : 'Details',
    purpose,
    hasPurpose: purpose !== '',
    ...stageParts(stage),
    reason: '',
    hasReason: false,
    decisionsHeading: status.state === 'Pending' ? 'Decisions so far' : 'Decisions',
    decisions: shown.map((d) => decisionView(d, stage)),
    hasDecisions: shown.length > 0,
    ...earlierParts(earlier),
    unreachable:
      unreachable.length > 0
        ? `Could not reach ${joinNames(unreachable)}: Signoff is not installed for them in Teams, so they did not get this card. Signoff's operators have been told.`
        : '',
    hasUnreachable: unreachable.length > 0,
    overflowNote: '',
    hasOverflowNote: false,
    showActions: false,
    ...documentParts(status, audience),
    showAskDocument: false,
    showCancel: false,
    hasRefresh: false,
    refreshUserIds: [],
  };
}

/**
 * Amount, applicant and term, who asked, the risk score (approvers only: it is an internal
 * reading of the request) and the id. When the applicant of a loan is the requester, one row
 * says so instead of two rows with the same name.
 */
function facts(status: ApprovalStatus, audience: Audience): Array<{ label: string; value: string }> {
  const loan = status.kind === 'loan' ? (status.request as LoanRequest) : undefined;
  const generic = status.kind === 'generic' ? (status.request as GenericRequest) : undefined;
  const rows: Array<{ label: string; value: string }> = [];
  const amount = loan?.amount ?? generic?.amount;
  if (amount !== undefined)
    rows.push({ label: 'Amount', value: formatAmount(amount, loan?.currency ?? generic?.currency) });
  const requester = displayName(status.requester);
  const applicant = loan ? fitOr(loan.applicant, TEXT_LIMITS.name, 'Not given') : undefined;
  const same = applicant !== undefined && samePerson(applicant, requester);
  if (applicant !== undefined && !(same && audience === 'approver'))
    rows.push({ label: 'Applicant', value: applicant });
  if (loan) rows.push({ label: 'Term', value: plural(loan.termMonths, 'month') });
  if (audience === 'approver')
    rows.push({ label: same ? 'Requester and applicant' : 'Requester', value: requester });
  if (audience === 'approver' && status.score !== undefined)
    rows.push({ label: 'Risk score', value: riskText(status.score) });
  rows.push({ label: 'Request id', value: status.id || 'unknown' });
  return rows;
}

function samePerson(a: string, b: string): boolean {
  const key = (s: string) => s.normalize('NFKC').toLocaleLowerCase('en').replace(/\s+/g, ' ').trim();
  return key(a) === key(b);
}

function stageParts(
  stage: StageStatus | undefined,
): Pick<
  RequestView,
  'hasStage' | 'stageLine' | 'stageRule' | 'deadlineLine' | 'deadlineColor' | 'awaiting' | 'hasAwaiting'
> {
  if (!stage) {
    return {
      hasStage: false,
      stageLine: '',
      stageRule: '',
      deadlineLine: '',
      deadlineColor: 'Default',
      awaiting: '',
      hasAwaiting: false,
    };
  }
  const awaiting = stage.awaiting.map((a) => displayName(a));
  return {
    hasStage: true,
    stageLine: `Stage ${stage.index + 1} of ${stage.count}: ${fitOr(stage.title, TEXT_LIMITS.title, stage.name || 'Approval')}`,
    stageRule: stageRule(stage),
    deadlineLine: `${stage.escalated ? 'Escalated. Decide' : 'Decide'} by ${cardDateTime(stage.deadline)}`,
    deadlineColor: stage.escalated ? 'Attention' : 'Default',
    awaiting: awaiting.length > 0 ? `Waiting for ${joinNames(awaiting)}` : '',
    hasAwaiting: awaiting.length > 0,
  };
}

/**
 * What the stage needs, in words: "One approval is needed." for a single approver, "One approval
 * from any of the 3 approvers is enough.", "All 3 approvers must approve: 1 has so far.",
 * "2 of the 3 approvers must approve: none has so far."
 */
export function stageRule(stage: StageStatus): string {
  const count = stage.approvers.length;
  const sofar =
    stage.approvals === 0
      ? 'none has so far'
      : `${stage.approvals} ${stage.approvals === 1 ? 'has' : 'have'} so far`;
  if (stage.required <= 1)
    return count <= 1
      ? 'One approval is needed.'
      : `One approval from any of the ${count} approvers is enough.`;
  if (stage.required >= count) return `All ${count} approvers must approve: ${sofar}.`;
  return `${stage.required} of the ${count} approvers must approve: ${sofar}.`;
}

function decisionView(d: RecordedDecision, current: StageStatus | undefined): DecisionView {
  const approved = d.decision === 'approve';
  const stageNote = current && current.count > 1 ? `, stage ${d.stage + 1}` : '';
  const comment = fitOr(d.comment, TEXT_LIMITS.comment, '', true);
  return {
    verdict: approved ? 'Approved' : 'Rejected',
    verdictColor: approved ? 'Default' : 'Attention',
    who: ` by ${displayName(d.approver)}${stageNote}, ${cardDateTime(d.at)}`,
    comment,
    hasComment: comment !== '',
  };
}

function riskText(score: number): string {
  const rounded = Math.round(Math.min(100, Math.max(0, score)));
  const band = rounded >= 70 ? 'high' : rounded >= 40 ? 'medium' : 'low';
  return `${rounded} / 100 (${band})`;
}
