/**
 * What a bot turn needs besides the activity: the durable client of the HTTP invocation that
 * carries it (handlers start, read and decide approvals through it), and who is speaking.
 */
import type { TurnContext } from 'botbuilder';
import { TeamsInfo } from 'botbuilder';
import type * as df from 'durable-functions';
import type { User } from '../functions/approvals/requests';
import { errorFields, log } from './log';

const DURABLE_CLIENT = Symbol('signoff.durableClient');

export function setDurableClient(context: TurnContext, client: df.DurableClient): void {
  context.turnState.set(DURABLE_CLIENT, client);
}

export function durableClient(context: TurnContext): df.DurableClient {
  const client = context.turnState.get(DURABLE_CLIENT) as df.DurableClient | undefined;
  if (!client) throw new Error('No durable client on this turn: activities must come through /api/messages');
  return client;
}

/**
 * The id approvals know the sender by: the Entra object id Teams sends as `from.aadObjectId`
 * (what the policy names approvers by), or the channel's user id where there is none.
 */
export function userIdOf(context: TurnContext): string {
  return context.activity.from?.aadObjectId?.trim() || context.activity.from?.id || '';
}

/** Placeholder domain for a user whose email Teams did not give us (`.invalid` is reserved: never delivered). */
export const UNKNOWN_EMAIL_DOMAIN = 'unknown.invalid';
const MEMBER_LOOKUP_MS = 1_500;

/**
 * The sender as a requester: id and name from the activity, email from the Teams roster
 * (`TeamsInfo.getMember`). When the roster cannot say (another channel, the lookup failed or was
 * slow), the email is the placeholder `<id>@unknown.invalid`: requests need an email by schema,
 * and this one can never reach anyone by mistake.
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
    log('info', 'member lookup failed; using a placeholder email', { userId: id, ...errorFields(error) });
  }
  return {
    id,
    name: name ?? 'Unknown user',
    email: email ?? `${id.replace(/[^A-Za-z0-9._-]/g, '-') || 'user'}@${UNKNOWN_EMAIL_DOMAIN}`,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
