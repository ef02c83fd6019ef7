/**
 * Card actions: `Action.Execute` arrives as an `adaptiveCard/action` invoke, and the answer is the
 * card that replaces the clicked one for the clicker alone. Verbs: `approve`, `reject` (comment
 * required), `refresh` (automatic refresh and the Review button: each user's own view) and
 * `submitRequest` (the request form).
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
import type { TurnContext } from 'botbuilder';
import { z } from 'zod/v4';
import {
  type AdaptiveCardJson,
  decisionRecordedCard,
  errorCard,
  outcomeCard,
  requestFormCard,
  statusCard,
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
import { startedText, startFromTeams } from './chat';
import { type ActionResponse, cardResponse, messageResponse, sendInvokeResponse } from './invokeResponse';
import type { ApprovalsPort, DecisionOutcome } from './ports';
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
const rejectData = requestData.extend({
  comment: z.string().max(2000, 'must be at most 2000 characters').optional(),
});

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
      const parsed = rejectData.safeParse(data);
      if (!parsed.success)
        return cardResponse(
          errorCard(`The card sent no valid request id (${parsed.error.issues[0]?.message}).`),
        );
      return cardResponse(await decide(context, client, parsed.data.requestId, verb, parsed.data.comment));
    }
    case 'refresh': {
      const parsed = requestData.safeParse(data);
      if (!parsed.success) return cardResponse(errorCard('The card sent no valid request id.'));
      return cardResponse(await refresh(context, client, parsed.data.requestId));
    }
    case 'submitRequest':
      return submitRequest(context, client, data);
    default:
      return cardResponse(errorCard(`"${verb}" is not an action Signoff knows.`));
  }
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
  if (!verdict.accepted) return errorCard(verdict.message, 'Decision not recorded');

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
    outcome = await client.decide(status.id, actorOf(context), {
      decision: input.decision,
      ...(input.comment ? { comment: input.comment } : {}),
      ...(input.decisionId ? { decisionId: input.decisionId } : {}),
    });
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

const STATUS_WAIT_MS = 1_500;

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
      if (status) return cardResponse(statusCard(status));
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
  // The workflow publishes its status within moments; show it if it is there in time.
  const status = await waitForStatus(client, started.id, actor, STATUS_WAIT_MS);
  return status ? cardResponse(statusCard(status)) : messageResponse(startedText(started.id, started.stages));
}

async function waitForStatus(
  client: ApprovalsPort,
  id: string,
  actor: ReturnType<typeof actorOf>,
  ms: number,
): Promise<ApprovalStatus | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const status = await client.find(id, actor);
    if (status || Date.now() >= until) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}
