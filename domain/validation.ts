/**
 * Validation at the app's boundaries (HTTP bodies, workflow inputs, event payloads, card data,
 * configuration): one error type that names every problem by field and rule, so a client gets
 * an answer it can act on.
 */
import type { z } from 'zod/v4';
import { TerminalError } from './errors';

export interface FieldProblem {
  field: string;
  rule: string;
}

/** Bad input, with every problem named by field and rule. Terminal: retrying cannot fix it. */
export class ValidationError extends TerminalError {
  readonly code = 'VALIDATION';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.rule}`).join('; '));
  }
}

export function problemsOf(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    rule: issue.message,
  }));
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(problemsOf(result.error, prefix));
  return result.data;
}

/**
 * Text that can be a table key and an orchestration instance id: the storage keys may not hold
 * / \ # ? or control characters, and the durable client could not address such an instance (a
 * URL drops trailing control characters, so `id\0` would name every instance).
 */
export const isKeySafe = (text: string): boolean =>
  ![...text].some((ch) => '/\\#?'.includes(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
export const KEY_RULE = 'must not contain / \\ # ? or control characters';

/** An orchestration instance id that this app could have issued and can look up. */
export const isInstanceId = (text: string): boolean =>
  text.length > 0 && text.length <= 256 && isKeySafe(text);
