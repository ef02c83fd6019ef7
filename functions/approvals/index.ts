/**
 * Approvals: request kinds, the policy that picks stages, the rules of deciding, and the
 * durable workflow with its activities. The policy is loaded here, at start-up, so an invalid
 * policy stops the app with a readable list of problems instead of failing requests later.
 */
import { currentPolicy } from './policy';
import './activities';
import './orchestration';

currentPolicy();

export { type ApprovalStatus, evaluate, isOpen } from './decide';
export { type Notifier, notifier, setNotifier } from './notifier';
export { currentPolicy, Policy, PolicyError } from './policy';
export { parseRequest, type User, ValidationError } from './requests';
