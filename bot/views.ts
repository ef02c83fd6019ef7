/** Which card a person sees for a request, decided by the rules of decide.ts (never re-stated here). */

import { type AdaptiveCardJson, approvalCard, outcomeCard, requesterCard } from '../cards';
import { type ApprovalStatus, evaluate, isOpen } from '../domain/decide';
import type { Log } from '../domain/log';
import type { PersonalLookup } from './conversations';
import { teamsUserIds } from './refreshUsers';

/**
 * A person's own view: the requester's card for the requester (who must not read the risk score or
 * who cannot be reached), else the approver view exactly when a decision by them would count now.
 */
export async function viewFor(
  status: ApprovalStatus,
  userId: string,
  conversations: PersonalLookup,
  log: Log,
): Promise<AdaptiveCardJson> {
  if (userId === status.requester.id) return requesterCard(status);
  if (!isOpen(status)) return outcomeCard(status);
  const canDecide = evaluate(status, { approverId: userId, decision: 'approve' }).accepted;
  return teamsUserIds(approvalCard(status, canDecide ? 'approver' : 'readonly'), conversations, log);
}

/** For the requester: where the request stands and Cancel, then its outcome. */
export function requesterView(status: ApprovalStatus): AdaptiveCardJson {
  return requesterCard(status);
}
