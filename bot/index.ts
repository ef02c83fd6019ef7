/**
 * Signoff's Teams bot: chat commands, Adaptive Card actions, install events and proactive cards,
 * on teams-ai and botbuilder. It depends on the domain and the cards only; the function app
 * (functions/http/messages.ts) creates it with its tables and serves it at `/api/messages`,
 * handing each request the approvals of its invocation (ports.ts).
 *
 * - app.ts: the teams-ai Application, its routes, and `handle` for one HTTP request
 * - chat.ts: chat commands; cardActions.ts: Action.Execute invokes; install.ts: (un)install
 * - trust.ts: only Teams activities, from allowed tenants, with a user's object id
 * - notifier.ts: proactive cards, reminders, escalations, outcome messages
 * - opsChannel.ts: alerts posted to the ops channel
 * - conversations.ts, claims.ts: what the bot keeps in Azure Tables
 * - httpShim.ts: Azure Functions HTTP ↔ the Node request/response botbuilder expects
 */
export { type Bot, type BotDependencies, createBot } from './app';
export { type BotConfig, BotConfigError, readBotConfig } from './config';
export type { ApprovalsPort, CancelOutcome, DecisionOutcome, Started, TableSource } from './ports';
export { isStorageUnavailable } from './ports';
