/**
 * The `ApproverWorkload` durable entity (registered here): one per approver (the key is their Entra object id),
 * holding their workload (domain/workload.ts): the requests waiting for their decision, their
 * decisions, and when they were asked. The `pending` chat command and the dashboard's approvals
 * view read it with `readEntityState`; nothing else writes it.
 *
 * Who updates it, and how: the workflow's activities that record a request's status (the index
 * and audit in `approvalRecord`, the outcome in `approvalFinish`) signal the entity of every
 * approver asked, through the durable client, with where the request stands for them. Not the
 * orchestrator: a `signalEntity` there would be a new action in its history, and the instances
 * running when this was deployed would no longer replay (the same reason the
 * approver-unreachable alert is raised inside the notify activity). A signal is a statement of
 * state stamped with the workflow's time, so an activity retried (or a signal sent twice) applies
 * once, and an older one arriving late is ignored.
 */
import type * as dfTypes from 'durable-functions';
import * as df from 'durable-functions';
import type { ApprovalStatus } from '../../domain/decide';
import {
  applySync,
  emptyWorkload,
  isWorkloadSync,
  WORKLOAD_ENTITY,
  WORKLOAD_SYNC_OP,
  type WorkloadState,
  workloadSyncs,
} from '../../domain/workload';

/** The entity's operations: `sync` applies a WorkloadSync; anything else changes nothing. */
export function workloadOperation(context: dfTypes.EntityContext<WorkloadState>): void {
  const op = context.df.operationName;
  if (op !== WORKLOAD_SYNC_OP) {
    context.warn(`${WORKLOAD_ENTITY}: unknown operation "${op}" ignored`);
    return;
  }
  const input: unknown = context.df.getInput();
  if (!isWorkloadSync(input)) {
    context.warn(`${WORKLOAD_ENTITY}: a ${WORKLOAD_SYNC_OP} without a valid update was ignored`);
    return;
  }
  context.df.setState(applySync(context.df.getState(emptyWorkload), input));
}

df.app.entity(WORKLOAD_ENTITY, workloadOperation);

const entityOf = (approverId: string) => new df.EntityId(WORKLOAD_ENTITY, approverId);

/**
 * Signals the entity of every approver asked in `status` with where the request stands for them
 * at `at` (the workflow's time). The approvers are those of the status the workflow recorded,
 * never anyone named by a caller.
 */
export async function signalWorkloads(
  client: dfTypes.DurableClient,
  status: ApprovalStatus,
  at: string,
): Promise<void> {
  await Promise.all(
    workloadSyncs(status, at).map(({ approverId, sync }) =>
      client.signalEntity(entityOf(approverId), WORKLOAD_SYNC_OP, sync),
    ),
  );
}

const isState = (value: unknown): value is WorkloadState =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as WorkloadState).requests === 'object' &&
  (value as WorkloadState).requests !== null &&
  typeof (value as WorkloadState).lastAt === 'string';

/** The approver's workload, or undefined while their entity has no state. */
export async function readWorkload(
  client: dfTypes.DurableClient,
  approverId: string,
): Promise<WorkloadState | undefined> {
  const read = await client.readEntityState<WorkloadState>(entityOf(approverId));
  return read.entityExists && isState(read.entityState) ? read.entityState : undefined;
}
