/**
 * Signoff's Adaptive Cards: version 1.5 templates (cards/templates/*.json, bound with
 * adaptivecards-templating) behind typed render functions. Every function is pure and returns
 * card JSON; wrap it with {@link cardAttachment} to send it.
 *
 * - One request: {@link approvalCard} (approver or read-only view, with `refresh` for the stage's
 *   approvers), {@link decisionRecordedCard}, {@link outcomeCard}, {@link statusCard}.
 * - Lists: {@link myRequestsCard}, {@link pendingCard}.
 * - Input: {@link requestFormCard}. Help and refusals: {@link helpCard}, {@link errorCard}.
 *
 * `Action.Execute` verbs the bot must handle: `approve` and `reject` (`data: { requestId }`,
 * plus `comment` on reject), `refresh` (`data: { requestId }`: automatic refresh, and the Review
 * button of the pending list), `submitRequest` (`data: { kind }` plus the form's inputs).
 *
 * User text is cut to the limits in {@link TEXT_LIMITS} and lists to {@link LIST_LIMITS}; free
 * text goes into `TextRun`s, which clients never read as Markdown.
 */
export {
  type AdaptiveCardJson,
  CARD_CONTENT_TYPE,
  type CardAttachment,
  type CardElement,
  CardTemplateError,
  cardAttachment,
  type ExecuteAction,
} from './card';
export { type RequestFormPrefill, requestFormCard } from './form';
export { errorCard, helpCard } from './help';
export { myRequestsCard, pendingCard } from './lists';
export { type ApprovalView, approvalCard, decisionRecordedCard, outcomeCard, statusCard } from './request';
export { LIST_LIMITS, TEXT_LIMITS, truncate } from './text';
