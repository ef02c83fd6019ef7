/**
 * Who may do what with an approval request: the one table of access rules, which the HTTP API
 * and the bot both apply. Who someone is comes from the platform (a validated token, or a Teams
 * activity authenticated by the Bot Framework), never from what they send.
 *
 *   relation to a request   see it   decide                     cancel   list others' requests
 *   requester               yes      no (own request)           yes      no
 *   approver (now or once)  yes      at their stage, once       no       no
 *   admin (Approvals.Admin) yes      only if also an approver   yes      yes
 *   none                    no: the request does not exist for them (404, so ids cannot be probed)
 *
 *   documents               add (while open)    open (a short-lived link)   ask for another
 *   requester               yes                 yes                         no
 *   approver (now or once)  no                  yes                         at their stage
 *   admin                   no                  no (sees names and hashes)  no
 */
import type { ApprovalStatus } from './decide';

export const ADMIN_ROLE = 'Approvals.Admin';

/** Someone acting: their Entra object id and their app roles. */
export interface Actor {
  id: string;
  roles: readonly string[];
}

export type Relation = 'requester' | 'approver' | 'admin';

export const isAdmin = (actor: Actor): boolean => actor.roles.includes(ADMIN_ROLE);

/** Everyone asked to approve the request so far (every stage reached, escalations too). */
export function approversAsked(status: ApprovalStatus): string[] {
  const ids = new Set(status.approversAsked ?? []);
  for (const a of status.stage?.approvers ?? []) ids.add(a.id);
  for (const d of status.decisions) ids.add(d.approver.id);
  return [...ids];
}

export function relationsTo(status: ApprovalStatus, actor: Actor): Set<Relation> {
  const relations = new Set<Relation>();
  if (actor.id === status.requester.id) relations.add('requester');
  if (approversAsked(status).includes(actor.id)) relations.add('approver');
  if (isAdmin(actor)) relations.add('admin');
  return relations;
}

export function canView(status: ApprovalStatus, actor: Actor): boolean {
  return relationsTo(status, actor).size > 0;
}

/** As whom `actor` may cancel the request, if at all. */
export function cancelsAs(status: ApprovalStatus, actor: Actor): 'requester' | 'admin' | undefined {
  const relations = relationsTo(status, actor);
  if (relations.has('requester')) return 'requester';
  if (relations.has('admin')) return 'admin';
  return undefined;
}

/** Whether `actor` may list the requests of `userId` (as requester or as approver). */
export function mayList(actor: Actor, userId: string): boolean {
  return userId === actor.id || isAdmin(actor);
}

/** Whether `actor` may open the request's documents: its requester and approvers only. */
export function mayReadDocuments(status: ApprovalStatus, actor: Actor): boolean {
  const relations = relationsTo(status, actor);
  return relations.has('requester') || relations.has('approver');
}

/** Whether `actor` may add a document: the requester. */
export function mayAddDocument(status: ApprovalStatus, actor: Actor): boolean {
  return relationsTo(status, actor).has('requester');
}

/** Whether `actor` may ask the requester for another document: an approver of the current stage. */
export function mayAskForDocument(status: ApprovalStatus, actor: Actor): boolean {
  return (
    status.state === 'Pending' &&
    actor.id !== status.requester.id &&
    (status.stage?.approvers ?? []).some((a) => a.id === actor.id)
  );
}
