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
