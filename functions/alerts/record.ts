/**
 * One alert record for everything that raises alerts: the host (an activity failed after its
 * last attempt, an instance past its SLA), the approval workflow (a request open longer than its
 * SLA) and the onboarding monitor (a step past its SLA, a step that failed). An alert is
 *
 *   - one JSON log line: {"level":"warn","msg":"alert","alert":..., "instanceId", "name", ...},
 *   - a row of the Azure Table "alerts": PartitionKey = instance id, RowKey = the alert's key,
 *     state "pending" until it has been posted to the ops channel, then "sent",
 *   - a message to the ops channel, when one is configured (the bot registers it).
 *
 * Raising is idempotent by (instanceId, key): a retried activity finds the row and sends at most
 * what is still unsent.
 */
import { z } from 'zod/v4';
import { isConflict, readRow } from '../patterns/starter';
import { table } from '../storage/tables';

export const ALERTS_TABLE = 'alerts';

export const ALERT_KINDS = [
  'activity-failed',
  'instance-sla',
  'approval-sla',
  'step-sla',
  'step-failed',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Table keys may not hold / \ # ? or control characters. */
const validKey = (text: string) =>
  ![...text].some((ch) => '/\\#?'.includes(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const KEY_RULE = 'must not contain / \\ # ? or control characters';

export const alertSchema = z.object({
  alert: z.enum(ALERT_KINDS, `must be one of ${ALERT_KINDS.join(', ')}`),
  instanceId: z.string('must be a string').min(1).max(256).refine(validKey, KEY_RULE),
  /** The activity, orchestrator, approval or step the alert is about. */
  name: z.string('must be a string').min(1).max(256),
  at: z.iso.datetime({ message: 'must be an ISO 8601 UTC time' }),
  message: z.string('must be a string').min(1).max(4000),
  /** Who raised it: "host", or the orchestrator. */
  source: z.string('must be a string').min(1).max(100),
  /** Identifies the alert within its instance; the same key is the same alert. */
  key: z.string('must be a string').min(1).max(200).refine(validKey, KEY_RULE),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type AlertRecord = z.infer<typeof alertSchema>;

/** Where alerts are posted besides the log and the table (the bot's ops channel). */
export interface AlertChannel {
  /** Posts the alert; throws when it could not. */
  post(alert: AlertRecord): Promise<void>;
}

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

/** The log line: the record with its details as top-level fields (they never override it). */
export function alertLine(alert: AlertRecord, now = new Date()): string {
  const { details, ...core } = alert;
  return `${JSON.stringify({ level: 'warn', time: now.toISOString(), msg: 'alert', ...details, ...core })}\n`;
}

export interface RaiseOptions {
  /** Write the log line (false when whoever raised it logged it already, as the host does). */
  log?: boolean;
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
export async function raiseAlert(alert: AlertRecord, options: RaiseOptions = {}): Promise<RaiseResult> {
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
  if (created && options.log !== false) process.stdout.write(alertLine(alert));
  if (!created) {
    const existing = await readRow<AlertRow>(alerts, alert.instanceId, alert.key);
    if (existing?.state === 'sent') return { created, posted: true };
  }
  if (!channel) return { created, posted: false };
  try {
    await channel.post(alert);
  } catch (error) {
    process.stderr.write(
      `${JSON.stringify({
        level: 'error',
        time: new Date().toISOString(),
        msg: 'alert not posted to the ops channel',
        alert: alert.alert,
        instanceId: alert.instanceId,
        key: alert.key,
        error: error instanceof Error ? error.message : String(error),
      })}\n`,
    );
    return { created, posted: false };
  }
  await alerts.updateEntity(
    { partitionKey: alert.instanceId, rowKey: alert.key, state: 'sent', sentAt: new Date().toISOString() },
    'Merge',
  );
  return { created, posted: true };
}
