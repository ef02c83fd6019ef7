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

/**
 * An orchestration instance id that this app could have issued and can look up: key-safe, and
 * without leading or trailing spaces (a URL drops those too).
 */
export const isInstanceId = (text: string): boolean =>
  text.length > 0 && text.length <= 256 && text.trim() === text && isKeySafe(text);

/** The default of `SIGNOFF_MAX_JSON_BYTES`: the largest JSON body (or bot activity) the app reads. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** A setting that is not what it must be; the app does not start with it. */
export class SettingError extends TerminalError {
  readonly code = 'SETTING';
  constructor(
    readonly setting: string,
    rule: string,
  ) {
    super(`${setting}: ${rule}`);
  }
}

/** `SIGNOFF_MAX_JSON_BYTES` read from its text: a whole number of bytes, at least 1 KiB. */
export function maxJsonBytesOf(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_MAX_JSON_BYTES;
  const bytes = Number(text.trim());
  if (!Number.isSafeInteger(bytes) || bytes < 1024) {
    throw new SettingError(
      'SIGNOFF_MAX_JSON_BYTES',
      `must be a whole number of bytes, at least 1024 (got "${text}")`,
    );
  }
  return bytes;
}
