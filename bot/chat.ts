/**
 * Chat commands: the message text goes through parseCommand (commands.ts, over the one command
 * table) and each command answers with a card or a short text. Requests, status, lists and
 * cancelling go through the function app's approvals (the turn's ApprovalsPort), so the bot
 * applies the same rules as the HTTP API.
 */
import { type Activity, MessageFactory, TurnContext } from 'botbuilder';
import {
  type AdaptiveCardJson,
  cardAttachment,
  errorCard,
  helpCard,
  myRequestsCard,
  pendingCard,
  requesterCard,
  requestFormCard,
  statusCard,
} from '../cards';
import type { Actor } from '../domain/access';
import { COMMANDS } from '../domain/commands';
import type { ApprovalStatus } from '../domain/decide';
import { errorFields } from '../domain/log';
import { NoMatchingRuleError } from '../domain/policy';
import { parseRequest, titleOf, type User, ValidationError } from '../domain/requests';
import type { WorkloadFigures } from '../domain/workload';
import { type ParsedCommand, parseCommand } from './commands';
import { scopeOf } from './conversations';
import { addSentFiles, hasFiles } from './documents';
import { REQUESTER_CARD_KEY } from './notifier';
import type { ApprovalsPort } from './ports';
import { actorOf, requesterOf, services, userIdOf } from './turn';

/** How many rows "my requests" and "pending" show. */
export const LIST_PAGE_SIZE = 20;

export async function onMessage(context: TurnContext): Promise<void> {
  const scope = scopeOf(context.activity);
  if (scope === 'personal') await refreshPersonalReference(context);
  // A file sent in a personal chat is a document for one of the sender's requests.
  if (scope === 'personal' && hasFiles(context)) {
    await context.sendActivity({ type: 'message', text: await addSentFiles(context), textFormat: 'plain' });
    return;
  }

  const parsed = parseCommand(context.activity.text ?? '', { scope });
  if (!parsed.ok) {
    switch (parsed.reason) {
      case 'empty':
        return reply(context, helpCard(undefined, scope));
      case 'unknownCommand':
        return reply(context, helpCard(parsed.suggestion, scope));
      case 'notAvailableHere':
        return reply(
          context,
          errorCard(
            `"${COMMANDS[parsed.command].usage}" works in a personal chat with Signoff.`,
            'Not available here',
          ),
        );
      case 'invalidArguments':
        if (parsed.command === 'requestLoan') return reply(context, requestFormCard('loan'));
        if (parsed.command === 'request') return reply(context, requestFormCard('generic'));
        return reply(
          context,
          errorCard(`${parsed.message}. Type it like this: ${parsed.usage}`, 'Check the command'),
        );
    }
  }
  await runCommand(context, parsed.command);
}

async function runCommand(context: TurnContext, command: ParsedCommand): Promise<void> {
  const scope = scopeOf(context.activity);
  switch (command.name) {
    case 'help':
      return reply(context, helpCard(undefined, scope));
    case 'requestLoan': {
      // A chat message cannot say everything a loan needs (the term): the form asks for the rest.
      const { amount, currency, purpose } = command.args;
      const requester = await requesterOf(context);
      return reply(
        context,
        requestFormCard('loan', { amount, currency, purpose, applicant: requester.name }),
      );
    }
    case 'request': {
      const requester = await requesterOf(context);
      const started = await startFromTeams(context, 'generic', { title: command.args.title }, requester);
      if (!started.ok)
        return reply(context, requestFormCard('generic', { title: command.args.title }, started.problems));
      return replyWithRequesterCard(
        context,
        started,
        justStarted(started.id, 'generic', { title: command.args.title }, requester),
      );
    }
    case 'status': {
      const status = await services(context).approvals.find(command.args.requestId, actorOf(context));
      if (!status) return reply(context, notFound(command.args.requestId));
      const audience = status.requester.id === userIdOf(context) ? 'requester' : 'approver';
      return reply(context, statusCard(status, audience));
    }
    case 'myRequests': {
      const page = await services(context).approvals.list('requester', userIdOf(context), {
        pageSize: LIST_PAGE_SIZE,
      });
      return reply(context, myRequestsCard(page.items));
    }
    case 'pending': {
      // Whose list and workload: the sender's, as Teams authenticated them, never a name typed.
      const me = userIdOf(context);
      const [page, workload] = await Promise.all([
        services(context).approvals.list('approver', me, { awaitingMe: true, pageSize: LIST_PAGE_SIZE }),
        workloadOf(context, me),
      ]);
      return reply(context, pendingCard(page.items, workload));
    }
    case 'cancel': {
      const { approvals } = services(context);
      const status = await approvals.find(command.args.requestId, actorOf(context));
      if (!status) return reply(context, notFound(command.args.requestId));
      const outcome = await approvals.cancel(status.id, actorOf(context));
      if (!outcome.ok) return reply(context, errorCard(outcome.message, 'Not cancelled'));
      if (outcome.repeated) return reply(context, `You already cancelled ${status.id} ("${status.title}").`);
      return reply(context, `Cancelling ${status.id} ("${status.title}"). Its approvers' cards will say so.`);
    }
  }
}

/**
 * The approver's workload for the pending list. None yet (nothing recorded since it was kept), or
 * none readable: the list is shown without it.
 */
async function workloadOf(context: TurnContext, approverId: string): Promise<WorkloadFigures | undefined> {
  const { approvals, log } = services(context);
  try {
    return await approvals.workload(approverId);
  } catch (error) {
    log.warn('could not read the approver workload; the pending list is shown without it', {
      approverId,
      ...errorFields(error),
    });
    return undefined;
  }
}

export type StartResult =
  | { ok: true; id: string; stages: string[] }
  | { ok: false; problems: Array<{ field: string; rule: string }> };

/** Starts a request; invalid details come back as problems (for the form), not as an exception. */
export async function startFromTeams(
  context: TurnContext,
  kind: 'loan' | 'generic',
  details: Record<string, unknown>,
  requester: User,
): Promise<StartResult> {
  try {
    const started = await services(context).approvals.start(kind, details, requester);
    services(context).log.info('request started from Teams', {
      requestId: started.id,
      requesterId: requester.id,
    });
    return { ok: true, id: started.id, stages: started.stages };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, problems: error.problems };
    if (error instanceof NoMatchingRuleError)
      return { ok: false, problems: [{ field: 'request', rule: error.message }] };
    throw error;
  }
}

const STATUS_WAIT_MS = 1_500;

/**
 * The request's status once the workflow has published where it stands (its first stage, or an
 * outcome), within `ms`; else the last status seen, or undefined.
 */
export async function waitForStatus(
  client: ApprovalsPort,
  id: string,
  actor: Actor,
  ms = STATUS_WAIT_MS,
): Promise<ApprovalStatus | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const status = await client.find(id, actor);
    if ((status && (status.stage || status.state !== 'Pending')) || Date.now() >= until) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A request the workflow has not described yet, as its requester's card can show it: what was
 * asked, waiting for approval. The workflow's first update of the card fills in the stage.
 */
export function justStarted(
  id: string,
  kind: 'loan' | 'generic',
  details: Record<string, unknown>,
  requester: User,
): ApprovalStatus {
  const request = parseRequest(kind, details);
  return {
    id,
    kind,
    title: titleOf(request),
    requester,
    request: request.details,
    createdAt: new Date().toISOString(),
    state: 'Pending',
    decisions: [],
    unreachable: [],
  };
}

/**
 * Notes the message at `activityId` in this conversation as the requester's own card of the
 * request, which the workflow's notifier then keeps up to date. A failure costs the updates only.
 */
export async function trackRequesterCard(
  context: TurnContext,
  requestId: string,
  activityId: string,
): Promise<void> {
  const { notifier, log } = services(context);
  try {
    await notifier.track(
      requestId,
      REQUESTER_CARD_KEY,
      { id: userIdOf(context) },
      'requester',
      TurnContext.getConversationReference(context.activity),
      activityId,
    );
  } catch (error) {
    log.warn('could not note the requester card; it will not be updated', {
      requestId,
      ...errorFields(error),
    });
  }
}

/**
 * Answers a request started by chat with the requester's own card, noted for updates. If the
 * workflow changed the status while the card was on its way (and so did not update it), the card
 * is brought up to date here; a workflow slow to start shows the request as asked until then.
 */
async function replyWithRequesterCard(
  context: TurnContext,
  started: { id: string; stages: string[] },
  asked: ApprovalStatus,
): Promise<void> {
  const { approvals } = services(context);
  const actor = actorOf(context);
  const status = (await waitForStatus(approvals, started.id, actor)) ?? asked;
  const sent = await context.sendActivity(MessageFactory.attachment(cardAttachment(requesterCard(status))));
  if (!sent?.id) return;
  await trackRequesterCard(context, status.id, sent.id);
  const latest = await approvals.find(status.id, actor);
  if (latest && JSON.stringify(latest) !== JSON.stringify(status)) {
    await context.updateActivity({
      ...MessageFactory.attachment(cardAttachment(requesterCard(latest))),
      id: sent.id,
    });
  }
}

function notFound(id: string): AdaptiveCardJson {
  return errorCard(`There is no request "${id}". Type "my requests" to see yours.`, 'Not found');
}

async function reply(context: TurnContext, answer: AdaptiveCardJson | string): Promise<void> {
  await context.sendActivity(
    typeof answer === 'string' ? answer : MessageFactory.attachment(cardAttachment(answer)),
  );
}

/** Keeps the personal chat's reference fresh: service URLs and conversation ids can change. */
async function refreshPersonalReference(context: TurnContext): Promise<void> {
  const activity: Activity = context.activity;
  const { conversations, log } = services(context);
  try {
    await conversations.save(activity);
  } catch (error) {
    log.warn('could not refresh the conversation reference', {
      conversationId: activity.conversation?.id,
      ...errorFields(error),
    });
  }
}
