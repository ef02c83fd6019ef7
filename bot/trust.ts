/**
 * The bot trusts only Teams. After the Bot Framework token has been checked (by the adapter),
 * an activity must also come from the `msteams` channel, from a user with an Entra object id
 * (`from.aadObjectId`: the id approvals know people by, which Teams sets and a client cannot
 * choose), and, when `SIGNOFF_ALLOWED_TENANTS` lists tenants, from one of them. Anything else is
 * refused before a handler sees it, and the refusal is written to the table `accessaudit`.
 */
import type { Activity } from 'botbuilder';
import { errorFields, type Log } from '../domain/log';
import type { TableSource } from './ports';

export const ACCESS_AUDIT_TABLE = 'accessaudit';

/** Activities a person sends (as opposed to, say, typing indicators). */
const FROM_A_PERSON = new Set([
  'message',
  'invoke',
  'conversationUpdate',
  'installationUpdate',
  'messageReaction',
]);

export type RefusalReason = 'not-teams' | 'no-object-id' | 'tenant-not-allowed';

export interface ActivityRefusal {
  reason: RefusalReason;
  message: string;
}

export function allowedTenants(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.SIGNOFF_ALLOWED_TENANTS ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

export function tenantOf(activity: Partial<Activity>): string | undefined {
  const fromChannel = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const id = activity.conversation?.tenantId ?? (typeof fromChannel === 'string' ? fromChannel : undefined);
  return id?.trim() || undefined;
}

/** Why `activity` must not be handled, or undefined when it may. */
export function refusalOf(
  activity: Partial<Activity>,
  tenants = allowedTenants(),
): ActivityRefusal | undefined {
  if (activity.channelId !== 'msteams') {
    return {
      reason: 'not-teams',
      message: `Signoff answers Microsoft Teams only; this activity came from the "${activity.channelId ?? '(none)'}" channel`,
    };
  }
  if (FROM_A_PERSON.has(activity.type ?? '') && !activity.from?.aadObjectId?.trim()) {
    return {
      reason: 'no-object-id',
      message: 'The sender has no Entra ID object id (from.aadObjectId), so Signoff cannot tell who they are',
    };
  }
  if (tenants.length > 0) {
    const tenant = tenantOf(activity);
    if (!tenant || !tenants.includes(tenant.toLowerCase())) {
      return {
        reason: 'tenant-not-allowed',
        message: `Tenant ${tenant ?? '(none)'} may not use this Signoff`,
      };
    }
  }
  return undefined;
}

/** One row per refused activity: partition by day, row by time (newest last). */
export async function auditRefusal(
  tables: TableSource,
  log: Log,
  activity: Partial<Activity>,
  refusal: ActivityRefusal,
): Promise<void> {
  const at = new Date().toISOString();
  log.warn('activity refused', {
    reason: refusal.reason,
    channelId: activity.channelId,
    tenantId: tenantOf(activity),
    fromId: activity.from?.id,
  });
  try {
    const audit = await tables(ACCESS_AUDIT_TABLE);
    await audit.createEntity({
      partitionKey: at.slice(0, 10),
      rowKey: `${at}-${Math.random().toString(36).slice(2, 10)}`,
      reason: refusal.reason,
      channelId: activity.channelId ?? '',
      tenantId: tenantOf(activity) ?? '',
      fromId: activity.from?.id ?? '',
      aadObjectId: activity.from?.aadObjectId ?? '',
      activityType: activity.type ?? '',
      conversationId: activity.conversation?.id ?? '',
    });
  } catch (error) {
    log.error('could not write the refusal to the access audit', errorFields(error));
  }
}
