/**
 * The answers to an `adaptiveCard/action` invoke, in the exact shape Teams requires: HTTP 200
 * whose body is `{ statusCode: 200, type, value }`, with `type` naming what `value` is. Every
 * verb answers through these, so the response type never depends on earlier turns (teams-ai 1.x's
 * `actionExecute` switches its type for good once a returned card has `refresh`; see cardActions.ts).
 */
import type { AdaptiveCardInvokeResponse, InvokeResponse, TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards';

export const CARD_RESPONSE_TYPE = 'application/vnd.microsoft.card.adaptive';
export const MESSAGE_RESPONSE_TYPE = 'application/vnd.microsoft.activity.message';

export type ActionResponse = InvokeResponse<AdaptiveCardInvokeResponse>;

/** The clicker's card is replaced by `card` (only the clicker sees the response). */
export function cardResponse(card: AdaptiveCardJson): ActionResponse {
  return {
    status: 200,
    body: { statusCode: 200, type: CARD_RESPONSE_TYPE, value: card as unknown as Record<string, unknown> },
  };
}

/** Teams shows `text` to the clicker and leaves the card as it is. */
export function messageResponse(text: string): ActionResponse {
  // The schema types `value` as an object; for this response type Teams takes a string.
  return {
    status: 200,
    body: { statusCode: 200, type: MESSAGE_RESPONSE_TYPE, value: text as unknown as Record<string, unknown> },
  };
}

/** Hands the response to the adapter, which returns it as the HTTP answer to the invoke. */
export async function sendInvokeResponse(context: TurnContext, response: ActionResponse): Promise<void> {
  await context.sendActivity({ type: 'invokeResponse', value: response });
}
