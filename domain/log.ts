/**
 * Where app code writes what happened: one structured line per call, message and fields. The
 * function app hands each piece of code the logger of the invocation it runs in (in Azure and on
 * the embedded host alike, the invocation context's), so nothing writes to stdout on its own.
 */
export type LogFields = Record<string, unknown>;

export interface Log {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** A thrown value as loggable fields. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return { error: error.message, ...(typeof status === 'number' ? { statusCode: status } : {}) };
  }
  return { error: String(error) };
}
