/**
 * What the durable store keeps, as the engine sees it: instances (with their runtime status),
 * history rows, pending messages, timers, activity work, and the instance query.
 */
import { randomUUID } from 'node:crypto';

export type RuntimeStatus =
  | 'Pending'
  | 'Running'
  | 'Completed'
  | 'ContinuedAsNew'
  | 'Failed'
  | 'Terminated'
  | 'Suspended'
  | 'Canceled';

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set([
  'Completed',
  'Failed',
  'Terminated',
  'Canceled',
]);

export interface ParentRef {
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
}

export interface InstanceRow {
  instanceId: string;
  executionId: string;
  name: string;
  version: string | null;
  status: RuntimeStatus;
  /** JSON text of the input, output and custom status, or null. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  parent: ParentRef | null;
}

/** A new instance, Pending until its ExecutionStarted message is processed. */
export function newInstanceRow(
  name: string,
  instanceId: string,
  input: string | undefined,
  now: number,
  parent: ParentRef | null = null,
): InstanceRow {
  return {
    instanceId,
    executionId: newId(),
    name,
    version: null,
    status: 'Pending',
    input: input ?? null,
    output: null,
    customStatus: null,
    createdAt: now,
    updatedAt: now,
    parent,
  };
}

/** Instance and execution ids: 32 hex digits, as the extension makes them. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

export interface HistoryRow {
  seq: number;
  actionIx: number | null;
  /** Host-side facts about the action an event belongs to (retry policy, final fire time). */
  meta: string | null;
  event: string;
}

export interface MessageRow {
  id: number;
  instanceId: string;
  executionId: string | null;
  event: string;
}

export interface TimerRow extends MessageRow {
  fireAt: number;
}

export interface WorkRow {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string | null;
}

export interface InstanceQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: number;
  createdTimeTo?: number;
  instanceIdPrefix?: string;
  /** Only with showInput=false the input is left out; the store always returns it. */
  top?: number;
  after?: { createdAt: number; instanceId: string };
}

/** A durable entity, `@name@key` (the name in lower case, as the SDK and the extension write it). */
export interface EntityRow {
  entityId: string;
  name: string;
  key: string;
  /** The entity exists (an operation created it and none deleted it since). */
  exists: boolean;
  /** JSON text of its state; null when it has none. */
  state: string | null;
  /** The orchestration instance holding its lock (a critical section), if any. */
  lockedBy: string | null;
  /** The id of that lock request. */
  lockId: string | null;
  lastOperationAt: number;
}

/** One operation an entity ran, as the dashboard shows it. */
export interface EntityOpRow {
  entityId: string;
  at: number;
  operation: string;
  signal: boolean;
  /** Who sent it: an orchestration instance id, an entity id, or null for a client. */
  parent: string | null;
  failed: boolean;
  /** The error of a failed operation. */
  detail: string | null;
  durationMs: number | null;
}

export interface EntityQuery {
  /** `@name@` for the entities of one name. */
  idPrefix?: string;
  after?: string;
  top?: number;
  lastOperationFrom?: number;
  lastOperationTo?: number;
  includeDeleted?: boolean;
}
