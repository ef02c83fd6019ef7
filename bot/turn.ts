/**
 * What a bot turn needs besides the activity: the services of the invocation that carries it
 * (approvals through the function app, the bot's own tables, the invocation's log), and who is
 * speaking.
 */
import type { TurnContext } from 'botbuilder';
import { TeamsInfo } from 'botbuilder';
import type { Actor } from '../domain/access';
import { errorFields, type Log } from '../domain/log';
import { placeholderEmail, type User } from '../domain/requests';
import type { ActionClaims } from './claims';
import type { ConversationStore } from './conversations';
import type { TeamsNotifier } from './notifier';
import type { ApprovalsPort } from './ports';

export interface TurnServices {
  approvals: ApprovalsPort;
  conversations: ConversationStore;
  claims: ActionClaims;
  /** To note the cards a handler sends (the requester's card, a card opened from a list) for updates. */
  notifier: TeamsNotifier;
  log: Log;
}

const SERVICES = Symbol('signoff.turnServices');

export function setServices(context: TurnContext, services: TurnServices): void {
  context.turnState.set(SERVICES, services);
}

export function services(context: TurnContext): TurnServices {
  const found = context.turnState.get(SERVICES) as TurnServices | undefined;
  if (!found) throw new Error('No services on this turn: activities must come through Bot.handle');
  return found;
}

/**
 * The id approvals know the sender by: the Entra object id Teams sends as `from.aadObjectId`
 * (what the policy names approvers by). Activities without one never reach a handler (trust.ts).
 */
export function userIdOf(context: TurnContext): string {
  const id = context.activity.from?.aadObjectId?.trim();
  if (!id) throw new Error('An activity without from.aadObjectId reached a handler');
  return id;
}

/** The sender as approvals' access rules see them: Teams users act with no app roles. */
export function actorOf(context: TurnContext): Actor & { name: string } {
  return { id: userIdOf(context), name: context.activity.from?.name?.trim() || 'Unknown user', roles: [] };
}

const MEMBER_LOOKUP_MS = 1_500;

/**
 * The sender as a requester: id and name from the activity, email from the Teams roster
 * (`TeamsInfo.getMember`). When the roster cannot say (another channel, the lookup failed or was
 * slow), the email is a placeholder (`placeholderEmail`) that can never reach anyone by mistake.
 */
export async function requesterOf(context: TurnContext): Promise<User> {
  const id = userIdOf(context);
  let email: string | undefined;
  let name = context.activity.from?.name?.trim() || undefined;
  try {
    const member = await withTimeout(
      TeamsInfo.getMember(context, context.activity.from.id),
      MEMBER_LOOKUP_MS,
    );
    const candidate = member?.email || member?.userPrincipalName;
    if (candidate && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(candidate)) email = candidate;
    name ??= member?.name?.trim() || undefined;
  } catch (error) {
    services(context).log.info('member lookup failed; using a placeholder email', {
      userId: id,
      ...errorFields(error),
    });
  }
  return {
    id,
    name: name ?? 'Unknown user',
    email: email ?? placeholderEmail(id),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
