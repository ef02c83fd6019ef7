/**
 * Alerts the host raises on its own: an activity that failed after its last attempt, and an
 * instance that has run longer than `SIGNOFF_INSTANCE_SLA`. The host knows nothing of Teams or
 * tables, so an alert is always one JSON log line (`{"alert": ..., "instanceId", "name", ...}`)
 * and, when `SIGNOFF_ALERT_WEBHOOK` names an endpoint (an absolute URL, or a path on this host
 * such as `/api/alerts`), a POST of the same record there, which the app turns into whatever it
 * wants (Signoff: a row of the "alerts" table and a message to the ops channel).
 */

import { HostError } from '../common/errors';
import { createLogger, type Logger } from '../common/log';
import { parseDuration } from './duration';
import type { InstanceRow } from './rows';

export type HostAlertKind = 'activity-failed' | 'instance-sla';

/** The record, in the app's alert shape (see functions/alerts/record.ts). */
export interface HostAlert {
  alert: HostAlertKind;
  instanceId: string;
  /** The activity or orchestrator. */
  name: string;
  /** When it happened, on the host's clock. */
  at: string;
  message: string;
  source: 'host';
  /** Identifies the alert within its instance: the same key means the same alert. */
  key: string;
  details: Record<string, string | number | boolean>;
}

export interface AlertSink {
  emit(alert: HostAlert): void;
}

export class AlertConfigError extends HostError {
  readonly code = 'ALERT_CONFIG';
  readonly retryable = false;

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface AlertConfig {
  instanceSlaMs: number | undefined;
  webhook: string | undefined;
}

export function readAlertConfig(env: NodeJS.ProcessEnv = process.env): AlertConfig {
  const sla = env.SIGNOFF_INSTANCE_SLA?.trim() || undefined;
  let instanceSlaMs: number | undefined;
  if (sla) {
    try {
      instanceSlaMs = parseDuration(sla);
    } catch (error) {
      throw new AlertConfigError('SIGNOFF_INSTANCE_SLA', (error as Error).message);
    }
    if (instanceSlaMs <= 0) throw new AlertConfigError('SIGNOFF_INSTANCE_SLA', 'must be longer than zero');
  }
  const webhook = env.SIGNOFF_ALERT_WEBHOOK?.trim() || undefined;
  if (webhook && !webhook.startsWith('/')) {
    let url: URL | undefined;
    try {
      url = new URL(webhook);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new AlertConfigError(
        'SIGNOFF_ALERT_WEBHOOK',
        `"${webhook}" must be an http(s) URL or a path on this host such as /api/alerts`,
      );
    }
  }
  return { instanceSlaMs, webhook };
}

const DELIVERY_ATTEMPTS = 3;

/** The log line always; the webhook POST when one is configured (a few attempts, then logged). */
export class HostAlertSink implements AlertSink {
  /** Alert lines are written whatever the host's log level. */
  private readonly lines = createLogger({ level: 'info' });
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly webhook?: { url: string; headers?: Record<string, string> },
  ) {}

  emit(alert: HostAlert): void {
    this.lines.warn(alert, 'alert');
    if (!this.webhook) return;
    const delivery = this.deliver(alert).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Resolves when every webhook delivery started so far has ended. */
  async flushed(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(alert: HostAlert): Promise<void> {
    const { url, headers } = this.webhook as { url: string; headers?: Record<string, string> };
    let last = '';
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(alert),
        });
        await res.text();
        if (res.ok) return;
        last = `HTTP ${res.status}`;
        if (res.status < 500) break;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    this.logger.error(
      { alert: alert.alert, instanceId: alert.instanceId, webhook: url, error: last },
      'alert not delivered to the webhook',
    );
  }
}

/** An activity failed with no retry policy, or on the last attempt its policy allows. */
export function activityFailedAlert(
  row: InstanceRow,
  failure: { taskId: number; name: string; attempts: number; reason: string },
  now: number,
): HostAlert {
  const n = failure.attempts;
  return {
    alert: 'activity-failed',
    instanceId: row.instanceId,
    name: failure.name,
    at: new Date(now).toISOString(),
    message: `Activity '${failure.name}' of ${row.name} failed after ${n} attempt${n === 1 ? '' : 's'}: ${failure.reason}`,
    source: 'host',
    key: `activity-failed-${row.executionId}-${failure.taskId}`,
    details: { orchestrator: row.name, executionId: row.executionId, taskId: failure.taskId, attempts: n },
  };
}

/** An instance still not ended `slaMs` after it was created. */
export function instanceSlaAlert(row: InstanceRow, slaMs: number, now: number): HostAlert {
  return {
    alert: 'instance-sla',
    instanceId: row.instanceId,
    name: row.name,
    at: new Date(now).toISOString(),
    message: `${row.name} instance ${row.instanceId} has been ${row.status} for longer than its SLA of ${formatMs(slaMs)}`,
    source: 'host',
    key: `instance-sla-${row.createdAt}`,
    details: {
      status: row.status,
      createdAt: new Date(row.createdAt).toISOString(),
      dueAt: new Date(row.createdAt + slaMs).toISOString(),
    },
  };
}

function formatMs(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
