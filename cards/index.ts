/**
 * Signoff's Adaptive Cards: version 1.5 templates (cards/templates/*.json, bound with
 * adaptivecards-templating) behind typed render functions. Every function is pure and returns
 * card JSON; wrap it with {@link cardAttachment} to send it.
 *
 * - One request: {@link approvalCard} (approver or read-only view, with `refresh` for the stage's
 *   approvers), {@link decisionRecordedCard}, {@link requesterCard} (the requester's own card,
 *   kept up to date), {@link outcomeCard}, {@link statusCard}.
 * - Lists: {@link myRequestsCard}, {@link pendingCard}.
 * - Input: {@link requestFormCard}. Help and refusals: {@link helpCard}, {@link errorCard}.
 *
 * `Action.Execute` verbs the bot must handle: `approve` and `reject` (`data: { requestId }` plus
 * the `comment` input, required to reject), `refresh` (`data: { requestId }`: automatic refresh),
 * `open` (`data: { requestId }`: the Review and Open buttons of the lists, answered with a new
 * message so the list stays), `cancel` (`data: { requestId, list? }`: the requester's Cancel, from
 * their card or from "my requests"), `submitRequest` (`data: { kind }` plus the form's inputs).
 *
 * User text is cut to the limits in {@link TEXT_LIMITS} and lists to {@link LIST_LIMITS}; free
 * text goes into `TextRun`s, which clients never read as Markdown (a TextBlock's `<id>` would be
 * read as an HTML tag and vanish).
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
export { problemSentence, type RequestFormPrefill, requestFormCard } from './form';
export { errorCard, helpCard } from './help';
export { myRequestsCard, pendingCard } from './lists';
export {
  type ApprovalView,
  type Audience,
  approvalCard,
  decisionRecordedCard,
  outcomeCard,
  requesterCard,
  stageRule,
  statusCard,
  withDocumentLink,
} from './request';
export { LIST_LIMITS, TEXT_LIMITS, truncate } from './text';
