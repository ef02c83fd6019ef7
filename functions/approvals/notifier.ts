/**
 * Which notifier the workflow's activities use (domain/notifications.ts): the Teams bot's, which
 * the function app registers at start-up (http/messages.ts), or until then an outbox table,
 * where other clients (and tests) can read the notifications.
 */

import type { ApprovalStatus } from '../../domain/decide';
import type { Delivery, NotificationKind, Notifier } from '../../domain/notifications';
import type { User } from '../../domain/requests';
import { table } from '../storage/tables';

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

  async note(status: ApprovalStatus, to: User, key: string, text: string): Promise<boolean> {
    await this.write(status, 'note', [to], key, text);
    return true;
  }

  private async write(
    status: ApprovalStatus,
    kind: NotificationKind,
    to: User[],
    key: string,
    text = '',
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
        ...(text ? { text } : {}),
      },
      'Replace',
    );
  }
}

let current: Notifier = new OutboxNotifier();

/** The function app registers the bot's notifier at start-up. */
export function setNotifier(notifier: Notifier): void {
  current = notifier;
}

export function notifier(): Notifier {
  return current;
}
