/**
 * Approvals: request kinds, the policy that picks stages, the rules of deciding, and the
 * durable workflow with its activities. The policy (and the approval SLA, APPROVAL_SLA) is read
 * here, at start-up, so an invalid one stops the app with a readable message instead of failing
 * requests later.
 */
import { currentPolicy } from './policy';
import { approvalSlaMs } from './sla';
import './activities';
import './orchestration';

currentPolicy();
approvalSlaMs();

export { type ApprovalStatus, evaluate, isOpen } from './decide';
export { type Notifier, notifier, setNotifier } from './notifier';
export { currentPolicy, Policy, PolicyError } from './policy';
export { parseRequest, type User, ValidationError } from './requests';
