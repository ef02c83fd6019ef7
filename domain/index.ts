/**
 * Signoff's domain: the rules of approvals as plain functions and types, with no I/O and no SDK,
 * so that the cards, the bot and the function app apply the same ones. Everything above imports
 * from here; this folder imports nothing of the project.
 *
 * - requests.ts: what can be asked for (loan, generic), validated; users
 * - policy.ts: who approves what (stages, approvers, modes, deadlines), parsed and versioned
 * - decide.ts: a request's status and the rules of deciding; deadlines.ts: due times, business hours
 * - access.ts: who may see, decide, cancel and list, and open or add documents
 * - documents.ts: documents to review (types by content, limits)
 * - lists.ts, notifications.ts, alerts.ts: the shapes that cross to storage, Teams and ops
 * - workload.ts: an approver's workload (open, decided this week, time to decide), kept per approver
 * - commands.ts: the chat command table (the bot parses it, cards and the manifest show it)
 * - validation.ts, errors.ts, log.ts: bad input by field, terminal vs retryable errors, the log port
 */
export * from './access';
export * from './alerts';
export * from './commands';
export * from './deadlines';
export * from './decide';
export * from './documents';
export * from './errors';
export * from './lists';
export * from './log';
export * from './notifications';
export * from './policy';
export * from './requests';
export * from './validation';
export * from './workload';
