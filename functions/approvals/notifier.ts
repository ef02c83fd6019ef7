/**
 * The seam between the approval workflow and whoever tells people about it. The Teams bot
 * (bot/) implements it with Adaptive Cards; until a notifier is registered, notifications go to
 * an outbox table, where other clients (and tests) can read them.
 */

import { table } from '../storage/tables';
import type { ApprovalStatus } from './decide';
import type { User } from './requests';

export type NotificationKind = 'approval-request' | 'reminder' | 'escalation' | 'outcome' | 'card-update';

export interface Delivery {
  /** Approvers the notifier could not reach (for Teams: the app is not installed for them). */
  unreachable: User[];
}

export interface Notifier {
  /** Posts the approval card to each approver; `key` makes a retried call a no-op. */
  requestApproval(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery>;
  remind(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery>;
  escalate(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery>;
  /** Brings every card posted for the request up to date. */
  updateCards(status: ApprovalStatus, key: string): Promise<void>;
  /** Tells the requester the outcome. */
  notifyRequester(status: ApprovalStatus, key: string): Promise<void>;
}

export const OUTBOX_TABLE = 'approvaloutbox';

/** Notifications as rows: PartitionKey = request id, RowKey = the idempotency key. */
export class OutboxNotifier implements Notifier {
  async requestApproval(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery> {
    await this.write(status, 'approval-request', approvers, key);
    return { unreachable: [] };
  }

  async remind(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery> {
    await this.write(status, 'reminder', approvers, key);
    return { unreachable: [] };
  }

  async escalate(status: ApprovalStatus, approvers: User[], key: string): Promise<Delivery> {
    await this.write(status, 'escalation', approvers, key);
    return { unreachable: [] };
  }

  async updateCards(status: ApprovalStatus, key: string): Promise<void> {
    await this.write(status, 'card-update', [], key);
  }

  async notifyRequester(status: ApprovalStatus, key: string): Promise<void> {
    await this.write(status, 'outcome', [status.requester], key);
  }

  private async write(
    status: ApprovalStatus,
    kind: NotificationKind,
    to: User[],
    key: string,
  ): Promise<void> {
    const outbox = await table(OUTBOX_TABLE);
    await outbox.upsertEntity(
      {
        partitionKey: status.id,
        rowKey: key,
        kind,
        to: JSON.stringify(to.map((u) => u.id)),
        state: status.state,
        stage: status.stage?.title ?? '',
      },
      'Replace',
    );
  }
}

let current: Notifier = new OutboxNotifier();

/** The bot registers its notifier at start-up. */
export function setNotifier(notifier: Notifier): void {
  current = notifier;
}

export function notifier(): Notifier {
  return current;
}
