/**
 * One alert record for everything that raises alerts: the host (an activity failed after its
 * last attempt, an instance past its SLA), the approval workflow (a request open longer than its
 * SLA) and the onboarding monitor (a step past its SLA, a step that failed). An alert is
 *
 *   - one log line (warn, message "alert", the record's fields and details as fields),
 *   - a row of the Azure Table "alerts": PartitionKey = instance id, RowKey = the alert's key,
 *     state "pending" until it has been posted to the ops channel, then "sent",
 *   - a message to the ops channel, when one is configured (the bot registers it).
 *
 * Raising is idempotent by (instanceId, key): a retried activity finds the row and sends at most
 * what is still unsent.
 */
import type { AlertChannel, AlertRecord } from '../../domain/alerts';
import { errorFields, type Log } from '../../domain/log';
import { isConflict, readRow, table } from '../storage/tables';

export const ALERTS_TABLE = 'alerts';

let channel: AlertChannel | undefined;

/** The bot registers the ops channel at start-up when one is configured. */
export function setAlertChannel(next: AlertChannel | undefined): void {
  channel = next;
}

export interface AlertRow {
  partitionKey: string;
  rowKey: string;
  state: 'pending' | 'sent';
  [field: string]: unknown;
}

/** The fields of the log line: the record with its details beside it (they never override it). */
export function alertFields(alert: AlertRecord): Record<string, unknown> {
  const { details, ...core } = alert;
  return { ...details, ...core };
}

export interface RaiseOptions {
  /** Write the log line (false when whoever raised it logged it already, as the host does). */
  logLine?: boolean;
}

export interface RaiseResult {
  /** The row was new (false: this alert was raised before). */
  created: boolean;
  /** Posted to the ops channel now or before. */
  posted: boolean;
}

/**
 * Logs, stores and posts an alert. A table error throws (the caller retries); an ops channel
 * that cannot be reached is logged and leaves the row "pending", so the workflow goes on.
 */
export async function raiseAlert(
  alert: AlertRecord,
  log: Log,
  options: RaiseOptions = {},
): Promise<RaiseResult> {
  const alerts = await table(ALERTS_TABLE);
  const { details, ...core } = alert;
  const row: AlertRow = {
    ...details,
    ...core,
    partitionKey: alert.instanceId,
    rowKey: alert.key,
    state: 'pending',
  };
  let created = true;
  try {
    await alerts.createEntity(row);
  } catch (error) {
    if (!isConflict(error)) throw error;
    created = false;
  }
  if (created && options.logLine !== false) log.warn('alert', alertFields(alert));
  if (!created) {
    const existing = await readRow<AlertRow>(alerts, alert.instanceId, alert.key);
    if (existing?.state === 'sent') return { created, posted: true };
  }
  if (!channel) return { created, posted: false };
  try {
    await channel.post(alert, log);
  } catch (error) {
    log.error('alert not posted to the ops channel', {
      alert: alert.alert,
      instanceId: alert.instanceId,
      key: alert.key,
      ...errorFields(error),
    });
    return { created, posted: false };
  }
  await alerts.updateEntity(
    { partitionKey: alert.instanceId, rowKey: alert.key, state: 'sent', sentAt: new Date().toISOString() },
    'Merge',
  );
  return { created, posted: true };
}
