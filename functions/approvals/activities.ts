/**
 * The approval workflow's activities: everything that touches the outside world (storage,
 * notifications). Each one is idempotent, because activities run at least once. Those the
 * workflow retries while storage is down hand a terminal error back as their result
 * (platform/retry.ts), so that what no retry can fix fails at once.
 */
import * as df from 'durable-functions';
import { type AlertRecord, alertSchema } from '../../domain/alerts';
import type { ApprovalStatus } from '../../domain/decide';
import type { Stage } from '../../domain/policy';
import { type ApprovalRequest, parseRequest, type User } from '../../domain/requests';
import { parseWith } from '../../domain/validation';
import { raiseAlert } from '../alerts/record';
import { invocationLog } from '../platform/log';
import { terminalAsResult } from '../platform/retry';
import { notifier } from './notifier';
import { policyOfVersion } from './policyArchive';
import { type AuditEntry, appendAuditRows, indexStatus, settleAll } from './records';
import { signalWorkloads } from './workload';

export interface ValidateInput {
  request: ApprovalRequest;
}

export interface NotifyInput {
  type: 'approval-request' | 'reminder' | 'escalation';
  status: ApprovalStatus;
  approvers: User[];
  key: string;
}

export interface RecordInput {
  status: ApprovalStatus;
  at: string;
  audit?: Omit<AuditEntry, 'requestId'>;
  /**
   * Audit rows of earlier steps that had no storage activity of their own (a decision that ends
   * its stage: the next stage's record, or the finish, follows at once); written before `audit`,
   * in the same transaction.
   */
  earlier?: Array<Omit<AuditEntry, 'requestId'>>;
}

export interface FinishInput {
  status: ApprovalStatus;
  at: string;
  auditKey: string;
  /** As in RecordInput: rows of earlier steps, written with the outcome's. */
  earlier?: Array<Omit<AuditEntry, 'requestId'>>;
  /** Who ended it, when a person did (a cancellation); else Signoff. */
  actor?: string;
}

/**
 * Validation again inside the workflow, so a request started by any client meets the schema.
 * This and the next three activities are kept for instances of workflow versions 1 and 2;
 * version 3 asks all four of `approvalPrepare`.
 */
export const validateApproval = df.app.activity('approvalValidate', {
  handler: (input: ValidateInput): ApprovalRequest => parseRequest(input.request.kind, input.request.details),
});

export interface RouteInput {
  request: ApprovalRequest;
  policyVersion: string;
}

/**
 * The stages a request must pass, by the policy version it started under. Whoever starts the
 * workflow names the policy version, never the approvers.
 */
export const routeApproval = df.app.activity('approvalRoute', {
  handler: terminalAsResult('approvalRoute', async (input: RouteInput): Promise<Stage[]> => {
    const policy = await policyOfVersion(input.policyVersion);
    return policy.stagesFor(parseRequest(input.request.kind, input.request.details));
  }),
});

/**
 * A risk score from 0 (low) to 100 (high), shown to approvers. Loans weigh amount and monthly
 * burden; other requests their amount.
 */
export function riskScore(request: ApprovalRequest): number {
  const amount = request.details.amount ?? 0;
  const size = Math.min(60, Math.log10(1 + amount) * 10);
  const burden = request.kind === 'loan' ? Math.min(40, amount / request.details.termMonths / 250) : 0;
  return Math.round(size + burden);
}

export const scoreApproval = df.app.activity('approvalScore', {
  handler: (input: ValidateInput): number => riskScore(input.request),
});

export interface PrepareInput {
  request: ApprovalRequest;
  policyVersion: string;
}

export interface Prepared {
  request: ApprovalRequest;
  score: number;
  stages: Stage[];
  /** Why the policy wants a document before anyone is asked, or null. */
  documentRequirement: string | null;
}

/**
 * Workflow version 3: what versions 1 and 2 asked of four activities in turn (validate, route,
 * score, the document rule), in one. The policy version is read once; an invalid request or an
 * unknown policy version is a terminal failure, as it was in the activities it replaces.
 */
export const prepareApproval = df.app.activity('approvalPrepare', {
  handler: terminalAsResult('approvalPrepare', async (input: PrepareInput): Promise<Prepared> => {
    const request = parseRequest(input.request.kind, input.request.details);
    const policy = await policyOfVersion(input.policyVersion);
    return {
      request,
      score: riskScore(request),
      stages: policy.stagesFor(request),
      documentRequirement: policy.documentRequirement(request) ?? null,
    };
  }),
});

/**
 * Posts the cards of a stage, a reminder or an escalation. Approvers who were asked and cannot be
 * reached are reported to the people who run Signoff (an `approver-unreachable` alert: log line,
 * "alerts" row, ops channel), once per notification; the requester's card only says the request
 * waits, since they cannot fix it.
 */
export const notifyApprovers = df.app.activity('approvalNotify', {
  handler: terminalAsResult(
    'approvalNotify',
    async (input: NotifyInput, context): Promise<{ unreachable: User[] }> => {
      const n = notifier();
      const log = invocationLog(context);
      const delivery =
        input.type === 'approval-request'
          ? await n.requestApproval(input.status, input.approvers, input.key, log)
          : input.type === 'reminder'
            ? await n.remind(input.status, input.approvers, input.key, log)
            : await n.escalate(input.status, input.approvers, input.key, log);
      if (input.type !== 'reminder' && delivery.unreachable.length > 0) {
        await raiseAlert(unreachableAlert(input, delivery.unreachable, new Date().toISOString()), log);
      }
      return { unreachable: delivery.unreachable };
    },
  ),
});

/** The alert for approvers asked at a stage or escalation whom Signoff could not reach. */
export function unreachableAlert(input: NotifyInput, unreachable: User[], at: string): AlertRecord {
  const { status } = input;
  const stage = status.stage ? ` at stage "${status.stage.title}"` : '';
  const names = unreachable.map((u) => u.name).join(', ');
  return {
    alert: 'approver-unreachable',
    instanceId: status.id,
    name: status.title,
    at,
    message:
      `Signoff could not send request ${status.id} "${status.title}"${stage} to ${names}: ` +
      'Signoff is not installed for them in Teams, or Teams refused the message. Install the app for ' +
      'them (a setup policy in the Teams admin center) or ask them to open Signoff in Teams once; ' +
      'the request waits for them until its deadline.',
    source: 'approvalWorkflow',
    key: `unreachable-${input.key}`,
    details: {
      requestId: status.id,
      requester: status.requester.id,
      stage: status.stage?.title ?? '',
      unreachable: unreachable.map((u) => u.id).join(','),
    },
  };
}

/**
 * The durable client of the activities that tell approvers' workload entities where a request
 * stands (workload.ts). They do it here, not the orchestrator: a signalEntity in the workflow
 * would be a new action, and the instances running when it was deployed would not replay.
 */
const durableClient = df.input.durableClient();

/**
 * Writes an audit row (if any), brings the index up to date and the workload of every approver
 * asked. The workload signals go first: they do not need table storage, and while storage is down
 * this activity is retried, signalling again each time, which changes nothing (each is a
 * statement of state at the workflow's time `at`).
 */
export const recordApproval = df.app.activity('approvalRecord', {
  extraInputs: [durableClient],
  handler: terminalAsResult('approvalRecord', async (input: RecordInput, context): Promise<void> => {
    await signalWorkloads(df.getClient(context), input.status, input.at);
    const requestId = input.status.id;
    const audit = [...(input.earlier ?? []), ...(input.audit ? [input.audit] : [])];
    // The audit rows (one transaction: one request's partition) and the index rows side by side.
    await settleAll([
      appendAuditRows(audit.map((entry) => ({ requestId, ...entry }))),
      indexStatus(input.status, input.at),
    ]);
  }),
});

export interface CardsInput {
  status: ApprovalStatus;
  key: string;
}

/** Brings every posted card up to date, e.g. after a decision that did not end the stage. */
export const updateApprovalCards = df.app.activity('approvalCards', {
  handler: terminalAsResult('approvalCards', async (input: CardsInput, context): Promise<void> => {
    await notifier().updateCards(input.status, input.key, invocationLog(context));
  }),
});

/** The end: approvers' workloads closed, outcome audited and indexed, every card updated, the requester told. */
export const finishApproval = df.app.activity('approvalFinish', {
  extraInputs: [durableClient],
  handler: terminalAsResult('approvalFinish', async (input: FinishInput, context): Promise<void> => {
    const log = invocationLog(context);
    const { status, at } = input;
    await signalWorkloads(df.getClient(context), status, at);
    const outcome: Omit<AuditEntry, 'requestId'> = {
      key: input.auditKey,
      type: 'outcome',
      actor: input.actor ?? 'signoff',
      at,
      details: { state: status.state, reason: status.reason ?? null },
    };
    await settleAll([
      appendAuditRows(
        [...(input.earlier ?? []), outcome].map((entry) => ({ requestId: status.id, ...entry })),
      ),
      indexStatus(status, at),
    ]);
    await notifier().updateCards(status, `cards-${status.state}`, log);
    await notifier().notifyRequester(status, `outcome-${status.state}`, log);
  }),
});

export interface NoteInput {
  status: ApprovalStatus;
  to: User;
  key: string;
  text: string;
}

/** A line of text to one person (the requester asked for a document, an approver told it came). */
export const noteApproval = df.app.activity('approvalNote', {
  handler: terminalAsResult('approvalNote', async (input: NoteInput, context): Promise<boolean> => {
    return notifier().note(input.status, input.to, input.key, input.text, invocationLog(context));
  }),
});

export interface DocumentRuleInput {
  request: ApprovalRequest;
  policyVersion: string;
}

/**
 * What the policy the request started under asks of its documents: why one is needed, if it is
 * (workflow version 2; version 3 reads it in `approvalPrepare`).
 */
export const documentRule = df.app.activity('approvalDocumentRule', {
  handler: terminalAsResult(
    'approvalDocumentRule',
    async (input: DocumentRuleInput): Promise<string | null> => {
      const policy = await policyOfVersion(input.policyVersion);
      return policy.documentRequirement(parseRequest(input.request.kind, input.request.details)) ?? null;
    },
  ),
});

/** Raises an alert (approval SLA): log line, "alerts" row, ops channel. Idempotent by key. */
export const alertApproval = df.app.activity('approvalAlert', {
  handler: terminalAsResult('approvalAlert', async (alert: AlertRecord, context) => {
    await raiseAlert(parseWith(alertSchema, alert), invocationLog(context));
  }),
});
