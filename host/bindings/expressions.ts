/**
 * Binding expressions: `{name}` in a binding property, resolved at each invocation from the
 * trigger's binding data (route parameters, query, a JSON body's properties, a queue message's
 * fields and metadata, an activity's input, dot notation into objects, names matched without
 * regard to case), and the built-ins `{rand-guid}`, `{DateTime}` (UTC now, unless the trigger data
 * has a `DateTime`), `{sys.randguid}`, `{sys.utcnow}` and `{sys.methodname}`. A GUID or a date
 * takes a .NET format after a colon: `{rand-guid:N}`, `{DateTime:yyyy-MM-dd}`. `{{` and `}}` are
 * literal braces. A name with no value fails the invocation, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import { formatDateTime, formatGuid } from './dotnet';
import { BindingError } from './errors';

/** A date in binding data: written in the path format `yyyy-MM-ddTHH-mm-ssK` unless a format is given. */
export class BindingDate {
  constructor(readonly ms: number) {}
}

/** The binding data of one invocation: a tree of plain values. */
export type BindingData = Record<string, unknown>;

type Part = { literal: string } | { name: string; format?: string };

export class TemplateError extends Error {}

export class BindingTemplate {
  private constructor(
    readonly text: string,
    private readonly parts: Part[],
  ) {}

  static parse(text: string): BindingTemplate {
    const parts: Part[] = [];
    let literal = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if ((c === '{' || c === '}') && text[i + 1] === c) {
        literal += c;
        i += 2;
      } else if (c === '{') {
        const end = text.indexOf('}', i + 1);
        if (end < 0) throw new TemplateError(`'${text}' has a '{' without its '}'`);
        const expression = text.slice(i + 1, end).trim();
        if (!/^[A-Za-z_$][\w$.-]*(:.*)?$/.test(expression)) {
          throw new TemplateError(`'{${expression}}' in '${text}' is not a binding expression`);
        }
        if (literal) parts.push({ literal });
        literal = '';
        const colon = expression.indexOf(':');
        parts.push(
          colon < 0
            ? { name: expression }
            : { name: expression.slice(0, colon), format: expression.slice(colon + 1) },
        );
        i = end + 1;
      } else if (c === '}') {
        throw new TemplateError(`'${text}' has a '}' without its '{'`);
      } else {
        literal += c;
        i++;
      }
    }
    if (literal) parts.push({ literal });
    return new BindingTemplate(text, parts);
  }

  get hasParameters(): boolean {
    return this.parts.some((p) => 'name' in p);
  }

  /** The names it needs from the trigger (built-ins left out). */
  get parameterNames(): string[] {
    return this.parts.flatMap((p) => ('name' in p && !isBuiltIn(p.name) ? [p.name] : []));
  }

  /**
   * The text with its expressions resolved from `data`; `escape` is applied to each resolved
   * value (a table filter quotes them for OData).
   */
  bind(data: () => BindingData, context: { now: number; escape?: (value: string) => string }): string {
    if (!this.hasParameters) return this.text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    let out = '';
    let values: BindingData | undefined;
    for (const part of this.parts) {
      if ('literal' in part) {
        out += part.literal;
        continue;
      }
      values ??= data();
      const value = resolve(part.name, part.format, values, context.now);
      if (value === undefined) throw new BindingError(`No value for named parameter '${part.name}'.`, false);
      out += context.escape ? context.escape(value) : value;
    }
    return out;
  }
}

function isBuiltIn(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'rand-guid' || lower === 'datetime' || lower.startsWith('sys.');
}

function resolve(
  name: string,
  format: string | undefined,
  data: BindingData,
  now: number,
): string | undefined {
  const lower = name.toLowerCase();
  if (lower === 'rand-guid') return formatGuid(randomUUID(), format || 'D');
  const found = lookupPath(data, name);
  if (found === undefined && lower === 'datetime')
    return formatDateTime(now, format || 'yyyy-MM-ddTHH-mm-ssK');
  return toPathString(found, format);
}

/** `a.b.c` in the data, each step matched without regard to case. */
export function lookupPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (!current || typeof current !== 'object' || current instanceof BindingDate) return undefined;
    const record = current as Record<string, unknown>;
    const key =
      segment in record
        ? segment
        : Object.keys(record).find((k) => k.toLowerCase() === segment.toLowerCase());
    if (key === undefined) return undefined;
    current = record[key];
  }
  return current;
}

/**
 * How the host writes a value into a path: text as it is, numbers and booleans as .NET prints
 * them, dates in a path-safe format; objects and lists have no text (no value).
 */
function toPathString(value: unknown, format: string | undefined): string | undefined {
  if (typeof value === 'string') return format && isGuid(value) ? formatGuid(value, format) : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof BindingDate) return formatDateTime(value.ms, format || 'yyyy-MM-ddTHH-mm-ssK');
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isGuid = (text: string) => GUID.test(text);

/** The `sys` binding data every invocation has (one GUID and one time per invocation). */
export function systemData(functionName: string, now: number): BindingData {
  return { MethodName: functionName, UtcNow: new BindingDate(now), RandGuid: randomUUID() };
}
