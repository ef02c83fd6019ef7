/**
 * The approval workflow (deterministic orchestrator code: no I/O, no wall clock). For each stage
 * it asks the approvers, then waits for `decision` and `cancel` events raced against reminder
 * and deadline timers; it escalates or expires at the deadline, and ends by recording the
 * outcome, updating every card and telling the requester. Its custom status is always the
 * current {@link ApprovalStatus}. With an approval SLA (`slaMs`), one more timer races the
 * waits: a request still open at its SLA raises an `approval-sla` alert, once, and goes on.
 *
 * Versions: `workflowVersion` in the input says which workflow a request started under, so a
 * running instance replays unchanged after an upgrade. Without it (version 1) the workflow does
 * what it always did. Version 2 (every request started since documents exist) also takes
 * documents: it waits for a first one before the stages when its policy rule requires one, and in
 * every stage it races two more events against its timers, `document` (one was added) and
 * `document-request` (an approver asks for another), each on a path of its own; and a decision
 * that ends its stage is written with the record or finish that follows, not by an activity of
 * its own. Version 3 (requests started since) prepares a request in one activity (validation,
 * route, risk score and document rule, the policy read once) instead of four, and writes its
 * `requested` audit row with the first record after it. test/upgrade.test.ts runs instances of
 * versions 1 and 2 started by the earlier Signoffs to the end.
 *
 * The activities that need table storage (audit, index, cards) are retried with backoff when
 * they fail, for up to {@link STORAGE_RETRY_HOURS} hours: an outage holds the request, with
 * `waitingFor` in its status saying what waits and why, and it goes on when storage is back.
 */

import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { deadlineAt, reminderTimes } from '../../domain/deadlines';
import {
  type ApprovalState,
  type ApprovalStatus,
  applyDecision,
  type DecisionInput,
  type DocumentRequest,
  evaluate,
  openDocumentRequests,
  requiredApprovals,
  stageStatus,
} from '../../domain/decide';
import { type DocumentRef, documentIdOf } from '../../domain/documents';
import type { Stage } from '../../domain/policy';
import {
  type ApprovalRequest,
  parseRequest,
  parseWith,
  titleOf,
  type User,
  userSchema,
} from '../../domain/requests';
import { settled } from '../platform/retry';
import type {
  CardsInput,
  DocumentRuleInput,
  FinishInput,
  NoteInput,
  NotifyInput,
  Prepared,
  PrepareInput,
  RecordInput,
  RouteInput,
} from './activities';
import { approvalSlaAlert } from './sla';

export const APPROVAL_ORCHESTRATOR = 'approvalWorkflow';

/** How long a storage activity is retried before the workflow fails (and an operator can rewind it). */
export const STORAGE_RETRY_HOURS = 72;

/** The workflow version new requests start under (see the top of this file). */
export const WORKFLOW_VERSION = 3;

/** How long a request whose policy requires a document waits for the first one: 7 days. */
export const DOCUMENT_WAIT_MS = 7 * 24 * 3_600_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_INTERVAL_MS = 5 * 60_000;
/**
 * 5 s doubling to 5 minutes, for about {@link STORAGE_RETRY_HOURS} hours. The JS SDK ends retries
 * by their number only (it ignores `retryTimeoutInMilliseconds`), so the hours are counted in
 * attempts: six doublings to the cap, then one every 5 minutes.
 */
const STORAGE_RETRY = (() => {
  const doublings = Math.ceil(Math.log2(MAX_RETRY_INTERVAL_MS / FIRST_RETRY_MS));
  const atCap = Math.ceil((STORAGE_RETRY_HOURS * 3_600_000) / MAX_RETRY_INTERVAL_MS);
  const retry = new df.RetryOptions(FIRST_RETRY_MS, 1 + doublings + atCap);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = MAX_RETRY_INTERVAL_MS;
  return retry;
})();

/**
 * What a request starts with. No approvers: the workflow routes the request by the policy
 * version it names (an archived version, see policyArchive.ts).
 */
export interface WorkflowInput {
  id: string;
  request: ApprovalRequest;
  requester: User;
  policyVersion: string;
  /** The approval SLA in milliseconds from the start, if any (fixed when the request starts). */
  slaMs?: number;
  /** 2 or 3 for requests that take documents; absent on requests started before (version 1). */
  workflowVersion?: 2 | 3;
}

const workflowInputSchema = z
  .object({
    id: z.string().min(1),
    request: z.object({ kind: z.enum(['loan', 'generic']), details: z.record(z.string(), z.unknown()) }),
    requester: userSchema,
    policyVersion: z
      .string()
      .regex(/^p-[0-9a-f]{16}$/, 'must be a policy version such as "p-0123456789abcdef"'),
    slaMs: z.number().positive().optional(),
    workflowVersion: z.union([z.literal(2), z.literal(3)]).optional(),
  })
  .strict();

/** Raised by the documents API (service.ts) once the document is stored. */
const documentEvent = z.object({
  document: z.object({
    id: z.string().regex(/^d-[0-9a-f]{16}$/),
    name: z.string().min(1).max(200),
    mediaType: z.string().min(1).max(200),
    size: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    uploadedBy: z.string().min(1),
    uploadedAt: z.string().min(1),
  }),
});

/** Raised by an approver's "ask for another document" after the access rules allowed it. */
const documentRequestEvent = z.object({
  by: z.string().min(1),
  note: z.string().trim().min(1).max(500),
});

const decisionEvent = z.object({
  approverId: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  decisionId: z.string().optional(),
});

/** Raised after the access rules (access.ts) allowed it: by the requester, or by an admin. */
export interface CancelEvent {
  by: string;
  byName: string;
  as: 'requester' | 'admin';
}
const cancelEvent = z.object({
  by: z.string().min(1),
  byName: z.string().min(1),
  as: z.enum(['requester', 'admin']),
});

const approvalWorkflow: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  // Instances started through the Durable API directly get the same checks as the HTTP API.
  const raw = parseWith(workflowInputSchema, ctx.df.getInput(), 'input');
  const input: WorkflowInput = { ...raw, request: parseRequest(raw.request.kind, raw.request.details) };
  const version = input.workflowVersion ?? 1;
  const takesDocuments = version >= 2;
  const now = () => ctx.df.currentUtcDateTime.getTime();
  const iso = () => ctx.df.currentUtcDateTime.toISOString();
  const log = (message: string, fields: Record<string, unknown>) => {
    if (!ctx.df.isReplaying) ctx.log(JSON.stringify({ msg: message, requestId: input.id, ...fields }));
  };

  let status: ApprovalStatus = {
    id: input.id,
    kind: input.request.kind,
    title: titleOf(input.request),
    requester: input.requester,
    request: input.request.details,
    createdAt: iso(),
    state: 'Pending',
    decisions: [],
    unreachable: [],
    approversAsked: [],
    policyVersion: input.policyVersion,
    ...(takesDocuments ? { documents: [] } : {}),
  };
  const publish = () => ctx.df.setCustomStatus(status);
  const ask = (approvers: User[]) => {
    const asked = new Set([...(status.approversAsked ?? []), ...approvers.map((a) => a.id)]);
    status = { ...status, approversAsked: [...asked] };
  };
  // Audit keys carry a sequence number, so the log reads in the order things happened.
  let auditSeq = 0;
  const auditKey = (name: string) => `${String(++auditSeq).padStart(4, '0')}-${name}`;
  /**
   * An activity that needs table storage: tried once, and when that fails, retried with backoff
   * while the status says what waits (cleared when it succeeds).
   */
  function* withStorage(activity: string, input: unknown, what: string): Generator<Task, unknown, unknown> {
    let result: unknown;
    try {
      result = yield ctx.df.callActivity(activity, input);
    } catch (error) {
      const message = (error as Error).message;
      status = { ...status, waitingFor: { what, since: iso(), error: message.slice(0, 300) } };
      publish();
      log('retrying with backoff', { activity, error: message });
      result = yield ctx.df.callActivityWithRetry(activity, STORAGE_RETRY, input);
      const { waitingFor: _, ...rest } = status;
      status = rest;
      publish();
    }
    // A terminal failure (platform/retry.ts) comes back as a result: it fails the workflow here.
    return settled(result);
  }
  /**
   * Audit rows keyed already and waiting for the next storage activity, which follows at once:
   * a decision that ends its stage is written with the next stage's record or with the finish
   * (one transaction, one activity fewer on the click's path). The decision itself is safe
   * before that: it is in the workflow's history, which the host stored before acknowledging it.
   */
  let deferred: NonNullable<RecordInput['earlier']> = [];
  const takeDeferred = () => {
    const earlier = deferred;
    deferred = [];
    return earlier.length > 0 ? { earlier } : {};
  };
  const record = (audit?: RecordInput['audit']) =>
    withStorage(
      'approvalRecord',
      {
        status,
        at: iso(),
        audit: audit && { ...audit, key: auditKey(audit.key) },
        ...takeDeferred(),
      } satisfies RecordInput,
      audit ? `the audit log (${audit.type}) and the request index` : 'the request index',
    );
  const recordLater = (audit: NonNullable<RecordInput['audit']>) => {
    deferred = [...deferred, { ...audit, key: auditKey(audit.key) }];
  };
  const notify = (type: NotifyInput['type'], approvers: User[], key: string) =>
    withStorage(
      'approvalNotify',
      { type, status, approvers, key } satisfies NotifyInput,
      `the ${type.replace('-', ' ')} cards`,
    );

  const updateCards = (key: string) =>
    withStorage('approvalCards', { status, key } satisfies CardsInput, 'the cards, brought up to date');
  const note = (to: User, key: string, text: string) =>
    withStorage('approvalNote', { status, to, key, text } satisfies NoteInput, 'a note in Teams');

  /**
   * A `document` event (version 2): the document joins the request, fulfils every open request
   * for one, is audited with its hash, and every card shows it; whoever asked for it is told.
   */
  function* documentAdded(raw: unknown): Generator<Task, void, unknown> {
    const parsed = documentEvent.safeParse(raw);
    if (!parsed.success || parsed.data.document.uploadedBy !== input.requester.id) {
      log('document ignored: malformed or not from the requester', {});
      return;
    }
    const doc: DocumentRef = parsed.data.document;
    if (doc.id !== documentIdOf(doc.sha256)) return;
    if ((status.documents ?? []).some((d) => d.id === doc.id)) return;
    const fulfilled = openDocumentRequests(status);
    status = {
      ...status,
      documents: [...(status.documents ?? []), doc],
      ...(status.documentRequests
        ? {
            documentRequests: status.documentRequests.map(
              (r): DocumentRequest => (r.documentId ? r : { ...r, documentId: doc.id, arrivedAt: iso() }),
            ),
          }
        : {}),
    };
    publish();
    yield* record({
      key: `document-${doc.id}`,
      type: 'document',
      actor: doc.uploadedBy,
      at: iso(),
      details: {
        document: doc.id,
        name: doc.name,
        mediaType: doc.mediaType,
        size: doc.size,
        sha256: doc.sha256,
        ...(fulfilled.length > 0 ? { askedBy: fulfilled.map((r) => r.by?.id ?? 'policy') } : {}),
      },
    });
    yield* updateCards(`cards-document-${doc.id}`);
    for (const r of fulfilled) {
      if (!r.by) continue;
      yield* note(
        r.by,
        `document-arrived-${doc.id}-${r.by.id}`,
        `${input.requester.name} added "${doc.name}" to "${status.title}", the document you asked for.`,
      );
    }
  }

  /** A `document-request` event (version 2): an approver of the stage asks for another document. */
  function* documentAsked(raw: unknown): Generator<Task, void, unknown> {
    const parsed = documentRequestEvent.safeParse(raw);
    const approver = parsed.success
      ? status.stage?.approvers.find((a) => a.id === parsed.data.by && a.id !== input.requester.id)
      : undefined;
    if (!parsed.success || !approver) {
      log('document request ignored: not an approver of the stage', {});
      return;
    }
    const asked: DocumentRequest = { reason: 'approver', by: approver, note: parsed.data.note, at: iso() };
    const n = (status.documentRequests ?? []).length;
    status = { ...status, documentRequests: [...(status.documentRequests ?? []), asked] };
    publish();
    yield* record({
      key: `document-requested-${n}`,
      type: 'document-requested',
      actor: approver.id,
      at: iso(),
      details: { note: asked.note, stage: status.stage?.title ?? '' },
    });
    yield* updateCards(`cards-document-requested-${n}`);
    yield* note(
      input.requester,
      `document-requested-${n}`,
      `${approver.name} asks for another document for "${status.title}": ${asked.note}. ` +
        'Add it to the request (Add a document on your card, or the documents API).',
    );
  }

  publish();
  const slaAt = input.slaMs === undefined ? undefined : now() + input.slaMs;
  let slaAlerted = false;
  const alertRetry = new df.RetryOptions(5_000, 3);
  let request: ApprovalRequest;
  let stages: Stage[];
  /** The policy's document rule: read by the preparing activity (3), or below (2); undefined until read. */
  let requirement: string | null | undefined;
  const requested = {
    key: 'requested',
    type: 'requested' as const,
    actor: input.requester.id,
    details: { title: status.title },
  };
  if (version >= 3) {
    // One activity where versions 1 and 2 had four; the `requested` row is written with the
    // first record that follows (the first stage's, or the document rule's), not by its own.
    const prepared = (yield* withStorage(
      'approvalPrepare',
      { request: input.request, policyVersion: input.policyVersion } satisfies PrepareInput,
      'the approval policy',
    )) as Prepared;
    ({ request, stages } = prepared);
    requirement = prepared.documentRequirement;
    status = { ...status, request: request.details, score: prepared.score };
    recordLater({ ...requested, at: iso() });
  } else {
    request = (yield ctx.df.callActivity('approvalValidate', {
      request: input.request,
    })) as ApprovalRequest;
    stages = (yield* withStorage(
      'approvalRoute',
      { request, policyVersion: input.policyVersion } satisfies RouteInput,
      'the approval policy',
    )) as Stage[];
    status = {
      ...status,
      request: request.details,
      score: (yield ctx.df.callActivity('approvalScore', { request })) as number,
    };
    yield* record({ ...requested, at: iso() });
  }

  let outcome: { state: ApprovalState; reason: string; actor?: string } | undefined;

  // Versions 2 and 3: a policy rule that requires a document holds the request until one arrives.
  if (takesDocuments) {
    if (requirement === undefined) {
      requirement = (yield* withStorage(
        'approvalDocumentRule',
        { request, policyVersion: input.policyVersion } satisfies DocumentRuleInput,
        'the approval policy',
      )) as string | null;
    }
    if (requirement && (status.documents ?? []).length === 0) {
      const due = now() + DOCUMENT_WAIT_MS;
      status = {
        ...status,
        documentRequests: [{ reason: 'policy', note: requirement, at: iso() }],
      };
      publish();
      yield* record({
        key: 'document-required',
        type: 'document-requested',
        actor: 'signoff',
        at: iso(),
        details: { note: requirement, by: 'policy', due: new Date(due).toISOString() },
      });
      yield* updateCards('cards-document-required');
      while (openDocumentRequests(status).length > 0) {
        const timer = ctx.df.createTimer(new Date(due));
        const added = ctx.df.waitForExternalEvent('document');
        const cancel = ctx.df.waitForExternalEvent('cancel');
        const winner: Task = yield ctx.df.Task.any([added, cancel, timer]);
        if (winner !== timer) timer.cancel();
        if (winner === timer) {
          outcome = { state: 'Expired', reason: 'No document was added within 7 days' };
          break;
        }
        if (winner === cancel) {
          const parsed = cancelEvent.safeParse(cancel.result);
          if (parsed.success && parsed.data.as === 'requester' && parsed.data.by === input.requester.id) {
            outcome = { state: 'Cancelled', reason: 'Cancelled by the requester', actor: parsed.data.by };
            break;
          }
          if (parsed.success && parsed.data.as === 'admin') {
            outcome = {
              state: 'Cancelled',
              reason: `Cancelled by ${parsed.data.byName} (admin)`,
              actor: parsed.data.by,
            };
            break;
          }
          continue;
        }
        yield* documentAdded(added.result);
      }
    }
  }

  eachStage: for (let index = 0; !outcome && index < stages.length; index++) {
    const stage = stages[index] as Stage;
    let deadline = deadlineAt(now(), stage.deadline);
    let reminders = reminderTimes(now(), deadline, stage.remindEvery);
    status = { ...status, stage: stageStatus(stage, index, stages.length, now(), deadline) };
    ask(stage.approvers);
    publish();
    yield* record();
    const delivered = (yield* notify('approval-request', stage.approvers, `request-${index}`)) as {
      unreachable: User[];
    };
    status = { ...status, unreachable: delivered.unreachable };
    publish();
    let reminderCount = 0;

    for (;;) {
      const current = status.stage;
      if (!current) break;
      reminders = reminders.filter((t) => t > now());
      const nextReminder = reminders[0];
      const stageWake = nextReminder !== undefined && nextReminder < deadline ? nextReminder : deadline;
      const slaDue = slaAt !== undefined && !slaAlerted ? slaAt : undefined;
      const wakeAt = slaDue !== undefined && slaDue < stageWake ? slaDue : stageWake;
      const timer = ctx.df.createTimer(new Date(wakeAt));
      const decision = ctx.df.waitForExternalEvent('decision');
      const cancel = ctx.df.waitForExternalEvent('cancel');
      // Version 1 races exactly what it always raced; version 2 also documents and asks for them.
      const added = takesDocuments ? ctx.df.waitForExternalEvent('document') : undefined;
      const asked = takesDocuments ? ctx.df.waitForExternalEvent('document-request') : undefined;
      const winner: Task = yield ctx.df.Task.any(
        added && asked ? [decision, cancel, timer, added, asked] : [decision, cancel, timer],
      );
      if (winner !== timer) timer.cancel();

      if (added && winner === added) {
        yield* documentAdded(added.result);
        continue;
      }
      if (asked && winner === asked) {
        yield* documentAsked(asked.result);
        continue;
      }

      if (winner === timer && slaDue !== undefined && wakeAt >= slaDue) {
        slaAlerted = true;
        try {
          const raised: unknown = yield ctx.df.callActivityWithRetry(
            'approvalAlert',
            alertRetry,
            approvalSlaAlert(ctx.df.instanceId, status, input.slaMs as number, iso(), APPROVAL_ORCHESTRATOR),
          );
          settled(raised);
        } catch (error) {
          // An alert that cannot be raised must not stop the approval (the host alerts on it).
          log('approval SLA alert failed', { error: (error as Error).message });
        }
        if (wakeAt < stageWake) continue;
      }

      if (winner === timer && wakeAt < deadline) {
        reminderCount++;
        yield* notify('reminder', current.awaiting, `reminder-${index}-${reminderCount}`);
        yield* record({
          key: `reminder-${index}-${reminderCount}`,
          type: 'reminder',
          actor: 'signoff',
          at: iso(),
          details: { stage: current.title, awaiting: current.awaiting.map((a) => a.id) },
        });
        continue;
      }
      if (winner === timer) {
        if (stage.onDeadline.type === 'escalate' && !current.escalated) {
          const to = stage.onDeadline.approvers;
          deadline = deadlineAt(now(), stage.onDeadline.deadline);
          reminders = reminderTimes(now(), deadline, stage.remindEvery);
          status = {
            ...status,
            stage: {
              ...current,
              approvers: to,
              awaiting: to,
              required: requiredApprovals(stage.mode, to.length),
              approvals: 0,
              deadline: new Date(deadline).toISOString(),
              escalated: true,
            },
          };
          ask(to);
          publish();
          const escalated = (yield* notify('escalation', to, `escalation-${index}`)) as {
            unreachable: User[];
          };
          status = { ...status, unreachable: escalated.unreachable };
          publish();
          yield* record({
            key: `escalation-${index}`,
            type: 'escalation',
            actor: 'signoff',
            at: iso(),
            details: {
              stage: current.title,
              from: current.approvers.map((a) => a.id),
              to: to.map((a) => a.id),
            },
          });
          continue;
        }
        outcome = { state: 'Expired', reason: `No decision at stage "${current.title}" by its deadline` };
        break eachStage;
      }

      if (winner === cancel) {
        const parsed = cancelEvent.safeParse(cancel.result);
        if (parsed.success && parsed.data.as === 'requester' && parsed.data.by === input.requester.id) {
          outcome = { state: 'Cancelled', reason: 'Cancelled by the requester', actor: parsed.data.by };
          break eachStage;
        }
        if (parsed.success && parsed.data.as === 'admin') {
          outcome = {
            state: 'Cancelled',
            reason: `Cancelled by ${parsed.data.byName} (admin)`,
            actor: parsed.data.by,
          };
          break eachStage;
        }
        log('cancel ignored: only the requester or an admin can cancel', {
          from: parsed.success ? parsed.data.by : null,
        });
        continue;
      }

      const parsed = decisionEvent.safeParse(decision.result);
      if (!parsed.success) {
        log('decision ignored: malformed event', { problems: parsed.error.issues.map((i) => i.message) });
        continue;
      }
      const d: DecisionInput = parsed.data;
      const verdict = evaluate(status, d);
      if (!verdict.accepted) {
        log('decision ignored', { approverId: d.approverId, refusal: verdict.refusal });
        yield* record({
          key: `ignored-${index}-${d.approverId}-${status.decisions.length}`,
          type: 'ignored',
          actor: d.approverId,
          at: iso(),
          details: { refusal: verdict.refusal, decision: d.decision },
        });
        continue;
      }
      const approver = current.approvers.find((a) => a.id === d.approverId) as User;
      status = applyDecision(status, approver, d, now());
      publish();
      const decided = {
        key: `decision-${index}-${approver.id}`,
        type: 'decision' as const,
        actor: approver.id,
        at: iso(),
        details: { stage: current.title, decision: d.decision, comment: d.comment ?? null },
      };
      // A decision that ends the stage (or the request) is written by the record or finish that
      // comes next; one that leaves the stage open is written now, with the index.
      // Version 1 wrote every decision at once: its running instances replay that.
      if (version >= 2 && (verdict.rejected || verdict.stageComplete)) recordLater(decided);
      else yield* record(decided);
      if (verdict.rejected) {
        outcome = { state: 'Rejected', reason: `Rejected by ${approver.name} at stage "${current.title}"` };
        break eachStage;
      }
      if (verdict.stageComplete) break;
      // The stage goes on (N of M): every card shows the decision so far.
      yield* withStorage(
        'approvalCards',
        { status, key: `cards-${index}-${status.decisions.length}` } satisfies CardsInput,
        'the cards, brought up to date',
      );
    }
  }

  const final: { state: ApprovalState; reason: string; actor?: string } = outcome ?? {
    state: 'Approved',
    reason: 'Every stage approved',
  };
  status = {
    ...status,
    state: final.state,
    reason: final.reason,
    closedAt: iso(),
    ...(final.actor ? { closedBy: final.actor } : {}),
    stage: status.stage ? { ...status.stage, awaiting: [] } : undefined,
  };
  publish();
  yield* withStorage(
    'approvalFinish',
    {
      status,
      at: iso(),
      auditKey: auditKey('outcome'),
      ...(final.actor ? { actor: final.actor } : {}),
      ...takeDeferred(),
    } satisfies FinishInput,
    'the outcome: audit log, index, cards and the requester',
  );
  return status;
};

df.app.orchestration(APPROVAL_ORCHESTRATOR, approvalWorkflow);
