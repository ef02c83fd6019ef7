/**
 * `{{NAME}}` placeholders in the manifest template. A string that is exactly one placeholder takes
 * the value as it is (so `"{{VALID_DOMAINS}}"` becomes a list); a placeholder inside a longer
 * string is replaced by text. Names with no value are left in place for validation to report.
 */

export type PlaceholderValue = string | readonly string[];

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}$/;
/** Also catches `${{NAME}}` (Teams Toolkit style) and stray braces from a half-edited template. */
const ANY_PLACEHOLDER = /\$?\{\{[^{}]*\}\}/g;

export function fillPlaceholders(
  template: unknown,
  values: Readonly<Record<string, PlaceholderValue>>,
): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    const name = whole?.[1];
    if (name !== undefined && Object.hasOwn(values, name)) return copy(values[name]);
    return template.replace(PLACEHOLDER, (found, key: string) => {
      const value = Object.hasOwn(values, key) ? values[key] : undefined;
      return typeof value === 'string' ? value : found;
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillPlaceholders(item, values));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(
      Object.entries(template).map(([key, item]) => [key, fillPlaceholders(item, values)]),
    );
  }
  return template;
}

export interface PlaceholderFound {
  /** JSON pointer of the string holding it, e.g. `/developer/name`. */
  readonly path: string;
  readonly placeholder: string;
}

/** Every placeholder still present in any string of a JSON value. */
export function findPlaceholders(value: unknown, path = ''): PlaceholderFound[] {
  if (typeof value === 'string') {
    return [...value.matchAll(ANY_PLACEHOLDER)].map((match) => ({
      path: path || '/',
      placeholder: match[0],
    }));
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, `${path}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      findPlaceholders(item, `${path}/${escapePointer(key)}`),
    );
  }
  return [];
}

function copy(value: PlaceholderValue | undefined): unknown {
  return Array.isArray(value) ? [...value] : value;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
