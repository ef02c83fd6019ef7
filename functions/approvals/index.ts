/**
 * Approvals in the function app: the durable workflow with its activities, and what it keeps in
 * storage (audit, index, policy versions). The rules themselves are the domain's (domain/). The
 * policy (and the approval SLA, APPROVAL_SLA, and the document link settings) is read here, at start-up, so an invalid one stops
 * the app with a readable message instead of failing requests later.
 */
import { checkDocumentSettings } from './documents';
import { currentPolicy } from './policyFile';
import { approvalSlaMs } from './sla';
import './activities';
import './orchestration';

currentPolicy();
approvalSlaMs();
checkDocumentSettings();

export { notifier, setNotifier } from './notifier';
export { currentPolicy } from './policyFile';
