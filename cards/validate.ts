/**
 * Checks card JSON against Adaptive Cards 1.5 with the official object model (npm
 * `adaptivecards`), since no JSON schema file is available offline. Parsing with a 1.5
 * serialization context reports unknown element and action types, invalid property values and
 * anything newer than 1.5; `validateProperties()` adds the card-level rules (duplicate ids, inputs
 * without labels or error messages, ...). Parsing needs no DOM, so this runs in plain Node.
 *
 * The object model drops properties it does not know without a word, so the card is also
 * serialized back and compared: a property that does not survive the round trip (a typo such as
 * `isSubtitle`, or one the element does not have) is reported too.
 */
import { AdaptiveCard, SerializationContext, ValidationEvent, Versions } from 'adaptivecards';

export interface CardProblem {
  /** The ValidationEvent name, or `DroppedProperty` for the round-trip check. */
  event: string;
  message: string;
}

export function validateCard(json: unknown): CardProblem[] {
  const problems: CardProblem[] = [];
  const card = new AdaptiveCard();
  const context = new SerializationContext(Versions.v1_5);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    if (e.event !== ValidationEvent.Hint)
      problems.push({ event: ValidationEvent[e.event], message: e.message });
  }
  for (const e of card.validateProperties().validationEvents) {
    if (e.event !== ValidationEvent.Hint)
      problems.push({ event: ValidationEvent[e.event], message: e.message });
  }
  const back = card.toJSON(new SerializationContext(Versions.v1_5));
  for (const path of droppedPaths(json, back, '')) {
    problems.push({ event: 'DroppedProperty', message: `${path} did not survive parsing` });
  }
  return problems;
}

/** Values the object model leaves out of its output because they are the defaults. */
const DEFAULTS = new Set([
  'Default',
  'default',
  'false',
  'auto',
  'Auto',
  'stretch',
  'Stretch',
  'Left',
  'Top',
]);

function droppedPaths(original: unknown, parsed: unknown, path: string): string[] {
  if (Array.isArray(original)) {
    const list = Array.isArray(parsed) ? parsed : [];
    return original.flatMap((item, i) => droppedPaths(item, list[i], `${path}[${i}]`));
  }
  if (original === null || typeof original !== 'object') return [];
  const target = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const out: string[] = [];
  for (const [key, value] of Object.entries(original)) {
    const here = path ? `${path}.${key}` : key;
    if (!(key in target)) {
      if (!DEFAULTS.has(String(value))) out.push(here);
      continue;
    }
    out.push(...droppedPaths(value, target[key], here));
  }
  return out;
}
