/**
 * The card JSON type every render function returns, and the one place templates are expanded.
 * Templates are Adaptive Card 1.5 JSON with `${...}` bindings (adaptivecards-templating); the
 * data bound to them is a view model of ready-made strings, so templates only lay things out.
 */
import { Template } from 'adaptivecards-templating';
import { TerminalError } from '../domain/errors';

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** A card element or action: open-ended JSON with a `type`. */
export type CardElement = { type: string } & Record<string, unknown>;

export interface ExecuteAction extends CardElement {
  type: 'Action.Execute';
  verb: string;
  data?: Record<string, unknown>;
}

export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: '1.5';
  $schema: typeof CARD_SCHEMA;
  body: CardElement[];
  actions?: CardElement[];
  refresh?: { action: ExecuteAction; userIds?: string[] };
}

export interface CardAttachment {
  contentType: typeof CARD_CONTENT_TYPE;
  content: AdaptiveCardJson;
}

/** Wraps a card as a Bot Framework attachment, for a message or an invoke response. */
export function cardAttachment(card: AdaptiveCardJson): CardAttachment {
  return { contentType: CARD_CONTENT_TYPE, content: card };
}

/** Thrown when a template expands to something that is not a card: a bug in a template, never in input. */
export class CardTemplateError extends TerminalError {
  readonly code = 'CARD_TEMPLATE';
}

/**
 * A compiled template: `render(view)` binds `view` as `$root`. Properties whose `$when` was
 * false come out as null; they are dropped, as are empty `actions`, so the card stays valid.
 */
export function compileTemplate<View extends object>(
  name: string,
  payload: unknown,
): (view: View) => AdaptiveCardJson {
  const template = new Template(payload);
  return (view) => {
    const card = dropEmpty(template.expand({ $root: view })) as Partial<AdaptiveCardJson> | undefined;
    if (card?.type !== 'AdaptiveCard' || card.version !== '1.5' || !Array.isArray(card.body)) {
      throw new CardTemplateError(`Template "${name}" did not expand to an Adaptive Card 1.5`);
    }
    return card as AdaptiveCardJson;
  };
}

function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(dropEmpty);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (key === 'actions' && Array.isArray(v) && v.length === 0) continue;
    out[key] = dropEmpty(v);
  }
  return out;
}
