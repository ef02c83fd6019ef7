/**
 * The approval SLA: how long a request may stay open (all stages together) before an
 * `approval-sla` alert goes to ops. Set with `APPROVAL_SLA` (ISO 8601, e.g. "P3D"); unset, there
 * is none. It is read when a request starts and travels in the workflow input, so a running
 * workflow never sees the setting change under it.
 */

import type { AlertRecord } from '../../domain/alerts';
import { durationMs } from '../../domain/deadlines';
import type { ApprovalStatus } from '../../domain/decide';
import { TerminalError } from '../../domain/errors';

export class ApprovalSlaError extends TerminalError {
  readonly code = 'APPROVAL_SLA';
}

/** The SLA in milliseconds, or undefined when none is configured. */
export function approvalSlaMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.APPROVAL_SLA?.trim();
  if (!text) return undefined;
  let ms: number;
  try {
    ms = durationMs(text);
  } catch (error) {
    throw new ApprovalSlaError(`APPROVAL_SLA: ${(error as Error).message}`);
  }
  if (ms <= 0) throw new ApprovalSlaError('APPROVAL_SLA: must be longer than zero');
  return ms;
}

function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/** The alert for a request still open at its SLA (pure: the workflow builds it). */
export function approvalSlaAlert(
  instanceId: string,
  status: ApprovalStatus,
  slaMs: number,
  at: string,
  source: string,
): AlertRecord {
  const awaiting = status.stage?.awaiting ?? [];
  return {
    alert: 'approval-sla',
    instanceId,
    name: status.title,
    at,
    message: `Request ${status.id} "${status.title}" has been waiting for approval longer than its SLA of ${describeMs(slaMs)}${
      status.stage
        ? ` (stage "${status.stage.title}", awaiting ${awaiting.map((a) => a.name).join(', ') || 'nobody'})`
        : ''
    }`,
    source,
    key: 'approval-sla',
    details: {
      requestId: status.id,
      requester: status.requester.id,
      stage: status.stage?.title ?? '',
      awaiting: awaiting.map((a) => a.id).join(','),
      createdAt: status.createdAt,
    },
  };
}
