/**
 * How the approval workflow tells people: the seam between the workflow's activities and whoever
 * delivers (the Teams bot with Adaptive Cards; an outbox table when no bot is registered). Every
 * call carries an idempotency `key`, because activities run at least once.
 */
import type { ApprovalStatus } from './decide';
import type { Log } from './log';
import type { User } from './requests';

export type NotificationKind =
  | 'approval-request'
  | 'reminder'
  | 'escalation'
  | 'outcome'
  | 'card-update'
  | 'note';

export interface Delivery {
  /** Approvers the notifier could not reach (for Teams: the app is not installed for them). */
  unreachable: User[];
}

export interface Notifier {
  /** Posts the approval card to each approver; `key` makes a retried call a no-op. */
  requestApproval(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery>;
  remind(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery>;
  escalate(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery>;
  /** Brings every card posted for the request up to date. */
  updateCards(status: ApprovalStatus, key: string, log: Log): Promise<void>;
  /** Tells the requester the outcome. */
  notifyRequester(status: ApprovalStatus, key: string, log: Log): Promise<void>;
  /** Tells one person something about the request in a line of text, once per key; whether they were reached. */
  note(status: ApprovalStatus, to: User, key: string, text: string, log: Log): Promise<boolean>;
}
