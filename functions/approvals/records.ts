/**
 * What approvals leave in Azure Storage besides the workflow itself: the audit log (every
 * decision, reminder, escalation and outcome, one row each) and the index of requests by
 * requester and by approver that lists and chat commands read instead of scanning instances.
 * Row keys are derived from the event, so an activity that runs twice writes the same row.
 */
import type { TableEntityResult } from '@azure/data-tables';
import { approversAsked } from '../../domain/access';
import type { ApprovalState, ApprovalStatus } from '../../domain/decide';
import type { IndexPage, IndexQuery, ListRole } from '../../domain/lists';
import { ValidationError } from '../../domain/validation';
import { table } from '../storage/tables';

export const AUDIT_TABLE = 'approvalaudit';
export const INDEX_TABLE = 'approvalindex';

export type AuditType =
  | 'requested'
  | 'decision'
  | 'ignored'
  | 'reminder'
  | 'escalation'
  | 'outcome'
  | 'document'
  | 'document-requested';

export interface AuditEntry {
  requestId: string;
  /** Unique per event within the request and ordered, e.g. "0003-decision-1-<userId>". */
  key: string;
  type: AuditType;
  actor: string;
  at: string;
  details: Record<string, unknown>;
}

const auditRow = (entry: AuditEntry) => ({
  partitionKey: entry.requestId,
  rowKey: entry.key,
  type: entry.type,
  actor: entry.actor,
  at: entry.at,
  details: JSON.stringify(entry.details),
});

export async function appendAudit(entry: AuditEntry): Promise<void> {
  await appendAuditRows([entry]);
}

/**
 * Audit rows of one request (one partition), written together: one entity group transaction
 * (all or none, one round trip) for several, a plain upsert for one.
 */
export async function appendAuditRows(entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const audit = await table(AUDIT_TABLE);
  if (entries.length === 1) {
    await audit.upsertEntity(auditRow(entries[0] as AuditEntry), 'Replace');
    return;
  }
  const partitions = new Set(entries.map((e) => e.requestId));
  if (partitions.size !== 1) throw new Error('audit rows written together must be of one request');
  await audit.submitTransaction(entries.map((e) => ['upsert', auditRow(e), 'Replace'] as const));
}

export async function readAudit(requestId: string): Promise<Array<Omit<AuditEntry, 'requestId'>>> {
  const audit = await table(AUDIT_TABLE);
  const rows: Array<Omit<AuditEntry, 'requestId'>> = [];
  const filter = `PartitionKey eq '${requestId.replace(/'/g, "''")}'`;
  for await (const e of audit.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    rows.push({
      key: String(e.rowKey),
      type: e.type as AuditType,
      actor: String(e.actor),
      at: String(e.at),
      details: JSON.parse(String(e.details ?? '{}')) as Record<string, unknown>,
    });
  }
  return rows;
}

const partition = (role: ListRole, userId: string) => `${role}|${userId}`;

/** Brings the requester's and every involved approver's index rows up to date with `status`. */
export async function indexStatus(status: ApprovalStatus, at: string): Promise<void> {
  const index = await table(INDEX_TABLE);
  const base = {
    rowKey: status.id,
    kind: status.kind,
    title: status.title,
    state: status.state,
    stage: status.stage?.title ?? '',
    requesterId: status.requester.id,
    requesterName: status.requester.name,
    createdAt: status.createdAt,
    updatedAt: at,
  };
  // Every approver asked so far keeps a row, so an earlier stage's approver who did not decide
  // sees the request move on instead of a stale "waiting for you". Each row is its own partition
  // (no transaction can hold two), so they are written side by side; the activity succeeds only
  // when every one did, and a retry writes them all again.
  const open = status.state === 'Pending';
  const awaiting = new Set(open ? (status.stage?.awaiting ?? []).map((a) => a.id) : []);
  const rows = [
    { partitionKey: partition('requester', status.requester.id), ...base, awaitingMe: false },
    ...approversAsked(status).map((id) => ({
      partitionKey: partition('approver', id),
      ...base,
      awaitingMe: awaiting.has(id),
    })),
  ];
  await settleAll(rows.map((row) => index.upsertEntity(row, 'Replace')));
}

/** Waits for every write, then fails with the first failure (none left running behind it). */
export async function settleAll(writes: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Whether `token` is a continuation token of the table SDK (base64 of the next keys as JSON), as
 * a page of this index hands out: anything else would fail inside the SDK.
 */
export function isIndexToken(token: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  try {
    const keys = JSON.parse(Buffer.from(token, 'base64').toString('latin1')) as Record<string, unknown>;
    return (
      typeof keys === 'object' &&
      keys !== null &&
      typeof keys.nextPartitionKey === 'string' &&
      (keys.nextRowKey === undefined || typeof keys.nextRowKey === 'string')
    );
  } catch {
    return false;
  }
}

/** One page of `userId`'s requests in `role`; a token not from an earlier page is a ValidationError. */
export async function queryIndex(role: ListRole, userId: string, options: IndexQuery): Promise<IndexPage> {
  if (options.continuationToken !== undefined && !isIndexToken(options.continuationToken)) {
    throw new ValidationError([{ field: 'continuationToken', rule: 'is not a token from an earlier page' }]);
  }
  const index = await table(INDEX_TABLE);
  const esc = (v: string) => v.replace(/'/g, "''");
  const clauses = [`PartitionKey eq '${esc(partition(role, userId))}'`];
  if (options.state) clauses.push(`state eq '${esc(options.state)}'`);
  if (options.awaitingMe) clauses.push('awaitingMe eq true');
  const pages = index
    .listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } })
    .byPage({ maxPageSize: options.pageSize, continuationToken: options.continuationToken });
  const first = await pages.next();
  const page = (first.done ? [] : first.value) as Array<TableEntityResult<Record<string, unknown>>> & {
    continuationToken?: string;
  };
  return {
    items: page.map((e) => ({
      id: String(e.rowKey),
      kind: String(e.kind),
      title: String(e.title),
      state: e.state as ApprovalState,
      stage: String(e.stage ?? ''),
      awaitingMe: e.awaitingMe === true,
      requesterId: String(e.requesterId),
      requesterName: String(e.requesterName),
      createdAt: String(e.createdAt),
      updatedAt: String(e.updatedAt),
    })),
    continuationToken: page.continuationToken,
  };
}
