/**
 * Route templates of HTTP triggers, as ASP.NET routing reads them: literal segments,
 * `{name}`, optional `{name?}`, constrained `{id:int}` and catch-all `{*rest}`.
 */
import { HostError } from '../common/errors';
import { decodePathSegment } from '../common/uri';

export interface RouteTemplate {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; constraint?: string }
  | { kind: 'catchAll'; name: string };

export class RouteTemplateError extends HostError {
  readonly code = 'BAD_ROUTE';
  readonly retryable = false;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  alpha: /^[a-z]+$/i,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
};

export function parseRouteTemplate(template: string): RouteTemplate {
  const segments: Segment[] = template
    .split('/')
    .filter(Boolean)
    .map((part): Segment => {
      const m = /^\{(\*)?([A-Za-z_][\w]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
      if (!m) {
        if (part.includes('{') || part.includes('}')) {
          throw new RouteTemplateError(`Route "${template}": segment "${part}" mixes text and parameters`);
        }
        return { kind: 'literal', text: part.toLowerCase() };
      }
      const [, star, name, constraint, optional] = m;
      if (star) return { kind: 'catchAll', name: name as string };
      return { kind: 'param', name: name as string, optional: Boolean(optional), constraint };
    });
  return {
    template,
    match(path: string) {
      const parts = path.split('/').filter(Boolean);
      const params: Record<string, string> = {};
      let i = 0;
      for (const seg of segments) {
        const part = parts[i];
        if (seg.kind === 'catchAll') {
          params[seg.name] = parts.slice(i).map(decodePathSegment).join('/');
          return params;
        }
        if (part === undefined) {
          if (seg.kind === 'param' && seg.optional) continue;
          return undefined;
        }
        if (seg.kind === 'literal') {
          if (decodePathSegment(part).toLowerCase() !== seg.text) return undefined;
        } else {
          const value = decodePathSegment(part);
          const rule = seg.constraint ? CONSTRAINTS[seg.constraint] : undefined;
          if (rule && !rule.test(value)) return undefined;
          params[seg.name] = value;
        }
        i++;
      }
      return i === parts.length ? params : undefined;
    },
  };
}
