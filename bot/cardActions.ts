/**
 * Card actions: `Action.Execute` arrives as an `adaptiveCard/action` invoke, and the answer is the
 * card that replaces the clicked one for the clicker alone. Verbs: `approve` and `reject` (with
 * the comment, which a rejection needs), `refresh` (automatic refresh: each user's own view),
 * `open` (Review and Open in the lists: the request's card as a new message, the list kept),
 * `cancel` (the requester's Cancel, on their card or in "my requests") and `submitRequest` (the
 * request form, whose message becomes the requester's own card, kept up to date), `openDocument`
 * (a document button: the clicker's own card with a short-lived link to that document, issued
 * only if they are the requester or an approver) and `askDocument` (an approver asks the
 * requester for another document, with a note).
 *
 * Why not teams-ai's `app.adaptiveCards.actionExecute`: in teams-ai 1.7 the response type lives in
 * a variable shared by every call of the route, and the first card returned with `refresh` (every
 * approval card has one) switches it for good to "replace for all": from then on each answer is
 * also pushed with `updateActivity` to the message everyone sees, so one approver's view, buttons
 * and all, would overwrite the card for the whole chat. This route builds the invoke response
 * itself, the same way for every verb and every turn (invokeResponse.ts).
 *
 * Decisions are raised and answered at once (the workflow catches up on its own), well within the
 * invoke time limit. A repeat of the same decision, whether a double click or Teams' retry, finds
 * the claim of the first and gets the recorded-decision card; only one decision is raised.
 */
import { MessageFactory, TurnContext } from 'botbuilder';
import { z } from 'zod/v4';
import {
  type AdaptiveCardJson,
  approvalCard,
  cardAttachment,
  decisionRecordedCard,
  errorCard,
  myRequestsCard,
  outcomeCard,
  requesterCard,
  requestFormCard,
  statusCard,
  withDocumentLink,
} from '../cards';
import {
  type ApprovalStatus,
  applyDecision,
  type DecisionInput,
  evaluate,
  isOpen,
  type RecordedDecision,
} from '../domain/decide';
import { errorFields } from '../domain/log';
import type { RequestKind } from '../domain/requests';
import { justStarted, LIST_PAGE_SIZE, startFromTeams, trackRequesterCard, waitForStatus } from './chat';
import { type ActionResponse, cardResponse, messageResponse, sendInvokeResponse } from './invokeResponse';
import type { ApprovalsPort, DecisionOutcome } from './ports';
import { teamsUserIds } from './refreshUsers';
import { actorOf, requesterOf, services, userIdOf } from './turn';
import { viewFor } from './views';

export const ACTION_INVOKE = 'adaptiveCard/action';

/** Route selector: every Action.Execute invoke, whatever the verb (unknown verbs get an error card). */
export async function isCardAction(context: TurnContext): Promise<boolean> {
  const a = context.activity;
  return a.type === 'invoke' && a.name === ACTION_INVOKE;
}

export async function onCardAction(context: TurnContext): Promise<void> {
  let response: ActionResponse;
  try {
    response = await answer(context);
  } catch (error) {
    services(context).log.error('card action failed', { verb: verbOf(context), ...errorFields(error) });
    response = cardResponse(
      errorCard('Signoff could not handle that just now. Please try again in a moment.'),
    );
  }
  await sendInvokeResponse(context, response);
}

const actionSchema = z.object({
  type: z.literal('Action.Execute', 'must be Action.Execute'),
  verb: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
});
const requestData = z.object({ requestId: z.string().trim().min(1, 'must name the request').max(80) });
const decisionData = requestData.extend({
  comment: z.string().max(2000, 'must be at most 2000 characters').optional(),
});
const cancelData = requestData.extend({ list: z.literal('mine').optional() });
const documentData = requestData.extend({ documentId: z.string().trim().min(1).max(40) });
const askData = requestData.extend({ documentNote: z.string().optional() });

/** What a card whose data names no request gets: it cannot be answered, but the person can go on. */
const NO_REQUEST =
  'This card does not say which request it is about. Type "my requests" or "pending" to find it.';

/** What a rejection without a comment gets: the same card, saying what is missing. */
export const COMMENT_NEEDED =
  'Add a comment to reject: the requester will want to know why. Nothing was recorded.';

function verbOf(context: TurnContext): unknown {
  return (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
}

async function answer(context: TurnContext): Promise<ActionResponse> {
  const action = actionSchema.safeParse((context.activity.value as { action?: unknown } | undefined)?.action);
  if (!action.success) return cardResponse(errorCard('This card action is not one Signoff understands.'));
  const { verb, data = {} } = action.data;
  const client = services(context).approvals;
  switch (verb) {
    case 'approve':
    case 'reject': {
      const parsed = decisionData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard(NO_REQUEST));
      return cardResponse(await decide(context, client, parsed.data.requestId, verb, parsed.data.comment));
    }
    case 'refresh': {
      const parsed = requestData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard(NO_REQUEST));
      return cardResponse(await refresh(context, client, parsed.data.requestId));
    }
    case 'open': {
      const parsed = requestData.safeParse(data);
      if (!parsed.success) return messageResponse(NO_REQUEST);
      return open(context, client, parsed.data.requestId);
    }
    case 'cancel': {
      const parsed = cancelData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard(NO_REQUEST));
      return cancel(context, client, parsed.data.requestId, parsed.data.list);
    }
    case 'submitRequest':
      return submitRequest(context, client, data);
    case 'openDocument': {
      const parsed = documentData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard(NO_REQUEST));
      return cardResponse(await openDocument(context, client, parsed.data.requestId, parsed.data.documentId));
    }
    case 'askDocument': {
      const parsed = askData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard(NO_REQUEST));
      return cardResponse(
        await askDocument(context, client, parsed.data.requestId, parsed.data.documentNote),
      );
    }
    default:
      return cardResponse(errorCard(`"${verb}" is not an action Signoff knows.`));
  }
}

/**
 * A document button: the clicker's own card of the request with a link to that one document on
 * top. Who they are comes from Teams; the link is issued only to the requester and approvers.
 */
async function openDocument(
  context: TurnContext,
  client: ApprovalsPort,
  requestId: string,
  documentId: string,
): Promise<AdaptiveCardJson> {
  const actor = actorOf(context);
  const status = await client.find(requestId, actor);
  if (!status) return errorCard(`There is no request "${requestId}".`, 'Not found');
  const { conversations, log } = services(context);
  const card = await viewFor(status, actor.id, conversations, log);
  const link = await client.documentLink(status.id, documentId, actor);
  if (!link) return errorCard('That document is not one you can open.', 'Not available');
  log.info('document link issued', { requestId: status.id, document: documentId, to: actor.id });
  const minutes = Math.max(1, Math.round((Date.parse(link.expiresAt) - Date.now()) / 60_000));
  return withDocumentLink(card, { name: link.document.name, url: link.url, minutes });
}

/**
 * "Ask for a document" on an approver's card: raised to the workflow, which tells the requester;
 * the answer is the approver's card saying what they asked for. A note is needed.
 */
async function askDocument(
  context: TurnContext,
  client: ApprovalsPort,
  requestId: string,
  note: string | undefined,
): Promise<AdaptiveCardJson> {
  const actor = actorOf(context);
  const status = await client.find(requestId, actor);
  if (!status) return errorCard(`There is no request "${requestId}".`, 'Not found');
  const { conversations, log } = services(context);
  const text = note?.trim() ?? '';
  if (!text || text.length > 500) {
    const notice =
      text.length > 500
        ? 'Say which document you need in at most 500 characters. Nothing was asked.'
        : 'Say which document you need: the requester reads it. Nothing was asked.';
    return isOpen(status) ? approvalCard(status, 'approver', { notice }) : outcomeCard(status);
  }
  const asked = await client.askForDocument(status.id, actor, text);
  if (!asked.ok) {
    if (!isOpen(status)) return viewFor(status, actor.id, conversations, log);
    return errorCard(`${asked.message}.`, 'Not asked');
  }
  log.info('document asked for', { requestId: status.id, by: actor.id });
  // The card as it will be once the workflow has it (the next update brings the same).
  const me = status.stage?.approvers.find((a) => a.id === actor.id);
  const expected: ApprovalStatus = {
    ...status,
    documentRequests: [
      ...(status.documentRequests ?? []),
      { reason: 'approver', ...(me ? { by: me } : {}), note: text, at: new Date().toISOString() },
    ],
  };
  return viewFor(expected, actor.id, conversations, log);
}

async function refresh(
  context: TurnContext,
  client: ApprovalsPort,
  requestId: string,
): Promise<AdaptiveCardJson> {
  const status = await client.find(requestId, actorOf(context));
  if (!status) return errorCard(`There is no request "${requestId}".`, 'Not found');
  const { conversations, log } = services(context);
  return viewFor(status, userIdOf(context), conversations, log);
}

/**
 * Review / Open in a list: the request's card (the person's own view of it) as a new message,
 * noted so that it is kept up to date, and the list left as it is.
 */
async function open(context: TurnContext, client: ApprovalsPort, requestId: string): Promise<ActionResponse> {
  const status = await client.find(requestId, actorOf(context));
  if (!status) return messageResponse(`There is no request "${requestId}" for you to open.`);
  const { conversations, notifier, log } = services(context);
  const userId = userIdOf(context);
  const mine = status.requester.id === userId;
  const card = mine ? requesterCard(status) : await viewFor(status, userId, conversations, log);
  const sent = await context.sendActivity(MessageFactory.attachment(cardAttachment(card)));
  if (sent?.id) {
    await notifier
      .track(
        status.id,
        'opened',
        { id: userId },
        mine ? 'requester' : 'approver',
        TurnContext.getConversationReference(context.activity),
        sent.id,
      )
      .catch((error: unknown) =>
        log.warn('could not note the opened card; it will not be updated', {
          requestId: status.id,
          ...errorFields(error),
        }),
      );
  }
  return messageResponse(`"${status.title}" is open below.`);
}

/**
 * The requester's Cancel. From their card, the answer is that card as cancelled (the workflow
 * then updates every card); from "my requests" (`list`), the list again with the request
 * cancelled. A refusal (already closed, not theirs) says why.
 */
async function cancel(
  context: TurnContext,
  client: ApprovalsPort,
  requestId: string,
  list: 'mine' | undefined,
): Promise<ActionResponse> {
  const actor = actorOf(context);
  const status = await client.find(requestId, actor);
  if (!status) {
    const missing = `There is no request "${requestId}" for you to cancel.`;
    return list ? messageResponse(missing) : cardResponse(errorCard(missing, 'Not cancelled'));
  }
  const outcome = await client.cancel(status.id, actor);
  if (!outcome.ok) {
    if (list) return messageResponse(`${outcome.message}.`);
    const now = outcome.status;
    if (now && !isOpen(now) && now.requester.id === actor.id) return cardResponse(requesterCard(now));
    return cardResponse(errorCard(`${outcome.message}.`, 'Not cancelled'));
  }
  services(context).log.info('cancel raised', { requestId: status.id, by: actor.id });
  if (list) {
    const page = await client.list('requester', actor.id, { pageSize: LIST_PAGE_SIZE });
    const rows = page.items.map((r) => (r.id === status.id ? { ...r, state: 'Cancelled' as const } : r));
    return cardResponse(myRequestsCard(rows));
  }
  // Show the request as the workflow is about to close it, without waiting for it.
  const cancelled: ApprovalStatus = {
    ...outcome.status,
    state: 'Cancelled',
    reason: outcome.status.reason ?? 'Cancelled by the requester',
    closedAt: outcome.status.closedAt ?? new Date().toISOString(),
    closedBy: actor.id,
    stage: outcome.status.stage && { ...outcome.status.stage, awaiting: [] },
  };
  return cardResponse(
    cancelled.requester.id === actor.id ? requesterCard(cancelled) : outcomeCard(cancelled),
  );
}

function decisionOf(status: ApprovalStatus, approverId: string): RecordedDecision | undefined {
  const stage = status.stage;
  if (!stage) return undefined;
  return status.decisions.find((d) => d.stage === stage.index && d.approver.id === approverId);
}

async function decide(
  context: TurnContext,
  client: ApprovalsPort,
  requestId: string,
  decision: 'approve' | 'reject',
  comment: string | undefined,
): Promise<AdaptiveCardJson> {
  const status = await client.find(requestId, actorOf(context));
  if (!status) return errorCard(`There is no request "${requestId}".`, 'Not found');
  if (!isOpen(status) || !status.stage) return outcomeCard(status);
  const { claims, log } = services(context);
  const approverId = userIdOf(context);
  const recorded = decisionOf(status, approverId);
  if (recorded) return decisionRecordedCard(status, recorded);

  const stage = status.stage.index;
  const input: DecisionInput = {
    approverId,
    decision,
    ...(comment?.trim() ? { comment: comment.trim() } : {}),
    decisionId: `${status.id}/${stage}/${approverId}`,
  };
  const verdict = evaluate(status, input);
  if (!verdict.accepted) {
    if (verdict.refusal === 'comment-required') {
      const again = approvalCard(status, 'approver', { notice: COMMENT_NEEDED });
      return teamsUserIds(again, services(context).conversations, services(context).log);
    }
    return errorCard(verdict.message, 'Decision not recorded');
  }

  const claimRow = `decision|${stage}|${approverId}`;
  const claimed = await claims.claim(status.id, claimRow, { decision, comment: input.comment ?? '' });
  if (!claimed.first) {
    // The same person already decided here a moment ago; the workflow may not have caught up yet.
    const first = claimed.values;
    const approver = status.stage.approvers.find((a) => a.id === approverId);
    return decisionRecordedCard(status, {
      stage,
      approver: approver ?? { id: approverId, name: context.activity.from?.name ?? approverId, email: '' },
      decision: first.decision === 'reject' ? 'reject' : 'approve',
      ...(first.comment ? { comment: first.comment } : {}),
      at: first.claimedAt ?? new Date().toISOString(),
    });
  }

  let outcome: DecisionOutcome;
  try {
    // The status read above: the click reads it once.
    outcome = await client.decide(
      status.id,
      actorOf(context),
      {
        decision: input.decision,
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.decisionId ? { decisionId: input.decisionId } : {}),
      },
      status,
    );
  } catch (error) {
    await claims.release(status.id, claimRow);
    throw error;
  }
  if (!outcome.ok) {
    await claims.release(status.id, claimRow);
    const now = outcome.status;
    if (now && !isOpen(now)) return outcomeCard(now);
    const already = now && decisionOf(now, approverId);
    if (already) return decisionRecordedCard(now, already);
    return errorCard(outcome.message, 'Decision not recorded');
  }
  if (outcome.repeated) {
    // The approver's decision was already recorded (a retried action): show it, do not add it again.
    return isOpen(outcome.status)
      ? decisionRecordedCard(outcome.status, outcome.repeated)
      : outcomeCard(outcome.status);
  }
  log.info('decision raised', { requestId: status.id, stage, approverId, decision });
  // Show the decision as the workflow is about to record it, without waiting for it.
  const approver = outcome.status.stage?.approvers.find((a) => a.id === approverId);
  if (!approver) return statusCard(outcome.status);
  const after = applyDecision(outcome.status, approver, input, Date.now());
  const mine = decisionOf(after, approverId);
  return mine ? decisionRecordedCard(after, mine) : statusCard(after);
}

const KINDS: readonly RequestKind[] = ['loan', 'generic'];
const FIELDS: Record<RequestKind, { numbers: string[]; texts: string[] }> = {
  loan: { numbers: ['amount', 'termMonths'], texts: ['currency', 'applicant', 'purpose'] },
  generic: { numbers: ['amount'], texts: ['title', 'details', 'currency'] },
};

/**
 * The form's inputs as request details. Teams sends every input value as a string, and "" for
 * an input left empty: numbers are converted, empty values dropped, so the request schema
 * reports them by field.
 */
export function formDetails(kind: RequestKind, data: Record<string, unknown>): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const field of FIELDS[kind].numbers) {
    const v = data[field];
    if (typeof v === 'number') details[field] = v;
    else if (typeof v === 'string' && v.trim() !== '') details[field] = Number(v.trim());
  }
  for (const field of FIELDS[kind].texts) {
    const v = data[field];
    if (typeof v === 'string' && v.trim() !== '') details[field] = v.trim();
  }
  return details;
}

async function submitRequest(
  context: TurnContext,
  client: ApprovalsPort,
  data: Record<string, unknown>,
): Promise<ActionResponse> {
  const kind = KINDS.find((k) => k === data.kind);
  if (!kind) return cardResponse(errorCard('This form does not say what kind of request it is.'));
  const requester = await requesterOf(context);
  const actor = actorOf(context);
  const details = formDetails(kind, data);
  const { claims, log } = services(context);

  // One request per form message and person, however often "Send" is clicked.
  const formId = context.activity.replyToId;
  const claimRow = formId
    ? `${context.activity.conversation?.id ?? ''}|${formId}|${requester.id}`
    : undefined;
  if (claimRow) {
    const claimed = await claims.claim('form', claimRow, { requestId: '' });
    if (!claimed.first) {
      const id = claimed.values.requestId;
      const status = id ? await client.find(id, actor) : undefined;
      if (status) return cardResponse(requesterCard(status));
      return messageResponse(id ? `Request ${id} was already sent.` : 'This form is already being sent.');
    }
  }
  let started: Awaited<ReturnType<typeof startFromTeams>>;
  try {
    started = await startFromTeams(context, kind, details, requester);
  } catch (error) {
    if (claimRow) await claims.release('form', claimRow);
    throw error;
  }
  if (!started.ok) {
    if (claimRow) await claims.release('form', claimRow);
    return cardResponse(requestFormCard(kind, details, started.problems));
  }
  if (claimRow) {
    await claims.update('form', claimRow, { requestId: started.id }).catch((error: unknown) =>
      log.warn('could not note the started request on the form claim', {
        requestId: started.id,
        ...errorFields(error),
      }),
    );
  }
  // The form's message becomes the requester's own card: noted before the workflow's first update,
  // which then replaces the form for good.
  if (formId) await trackRequesterCard(context, started.id, formId);
  // The workflow publishes its status within moments: shown if it is there in time, else the
  // request as asked (the workflow's first update fills in the rest).
  const status =
    (await waitForStatus(client, started.id, actor)) ?? justStarted(started.id, kind, details, requester);
  return cardResponse(requesterCard(status));
}
