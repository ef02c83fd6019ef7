/**
 * Alerts: what went wrong or took too long, for the people who run Signoff. One record shape
 * for everything that raises them (the host, the approval workflow, the onboarding monitor),
 * validated where it crosses a boundary.
 */
import { z } from 'zod/v4';
import type { Log } from './log';
import { isKeySafe, KEY_RULE } from './validation';

export const ALERT_KINDS = [
  'activity-failed',
  'instance-sla',
  'approval-sla',
  'step-sla',
  'step-failed',
  'approver-unreachable',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const alertSchema = z.object({
  alert: z.enum(ALERT_KINDS, `must be one of ${ALERT_KINDS.join(', ')}`),
  instanceId: z.string('must be a string').min(1).max(256).refine(isKeySafe, KEY_RULE),
  /** The activity, orchestrator, approval or step the alert is about. */
  name: z.string('must be a string').min(1).max(256),
  at: z.iso.datetime({ message: 'must be an ISO 8601 UTC time' }),
  message: z.string('must be a string').min(1).max(4000),
  /** Who raised it: "host", or the orchestrator. */
  source: z.string('must be a string').min(1).max(100),
  /** Identifies the alert within its instance; the same key is the same alert. */
  key: z.string('must be a string').min(1).max(200).refine(isKeySafe, KEY_RULE),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type AlertRecord = z.infer<typeof alertSchema>;

/** Where alerts are posted besides the log and the table (the bot's ops channel). */
export interface AlertChannel {
  /** Posts the alert; throws when it could not. */
  post(alert: AlertRecord, log: Log): Promise<void>;
}
