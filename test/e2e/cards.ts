/**
 * Reading Adaptive Cards as a client does: the cards among a message's attachments, the
 * Action.Execute with a verb, the values of inputs, the text a card shows.
 */

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export interface Attachment {
  contentType: string;
  content: unknown;
}

export type AdaptiveCard = Record<string, unknown>;

export function cardsOf(attachments: Attachment[]): AdaptiveCard[] {
  return attachments
    .filter((a) => a.contentType === ADAPTIVE_CARD && a.content && typeof a.content === 'object')
    .map((a) => a.content as AdaptiveCard);
}

function walk(node: unknown, visit: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit);
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

/** The Action.Execute with `verb` anywhere on the card (actions, action sets, show-card cards). */
export function findExecuteAction(card: AdaptiveCard, verb: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  walk(card, (obj) => {
    if (!found && obj.type === 'Action.Execute' && obj.verb === verb) found = obj;
  });
  return found;
}

/** Initial values of the card's inputs, by id, as strings (what a client sends if untouched). */
export function inputValues(card: AdaptiveCard): Record<string, string> {
  const values: Record<string, string> = {};
  walk(card, (obj) => {
    if (typeof obj.type === 'string' && obj.type.startsWith('Input.') && typeof obj.id === 'string')
      values[obj.id] = obj.value === undefined || obj.value === null ? '' : String(obj.value);
  });
  return values;
}

/** Verbs of every Action.Execute on the card. */
export function executeVerbs(card: AdaptiveCard): string[] {
  const verbs: string[] = [];
  walk(card, (obj) => {
    if (obj.type === 'Action.Execute' && typeof obj.verb === 'string') verbs.push(obj.verb);
  });
  return verbs;
}

/** All text a card shows (TextBlock/RichText text, FactSet titles and values), one string. */
export function cardText(card: AdaptiveCard): string {
  const parts: string[] = [];
  walk(card, (obj) => {
    if (obj.type === 'TextBlock' || obj.type === 'TextRun') parts.push(String(obj.text ?? ''));
    if (obj.type === 'FactSet' && Array.isArray(obj.facts))
      for (const f of obj.facts as Array<{ title?: unknown; value?: unknown }>)
        parts.push(`${String(f.title ?? '')} ${String(f.value ?? '')}`);
  });
  return parts.join('\n');
}
