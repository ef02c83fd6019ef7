/**
 * The app's one logger: an invocation's (`context.info/warn/error`), which the Functions host — in
 * Azure or the embedded one — turns into its log lines; each line is one JSON object, message
 * and fields, so the host keeps the fields. App code writes nothing to stdout or stderr itself:
 * in Azure only what goes through an invocation reaches Application Insights with that
 * invocation's operation id, so a log line can always be traced to the request that caused it.
 */
import type { InvocationContext } from '@azure/functions';
import type { Log, LogFields } from '../../domain/log';

const line = (msg: string, fields: LogFields = {}) => JSON.stringify({ msg, ...fields });

export function invocationLog(context: Pick<InvocationContext, 'info' | 'warn' | 'error'>): Log {
  return {
    info: (msg, fields) => context.info(line(msg, fields)),
    warn: (msg, fields) => context.warn(line(msg, fields)),
    error: (msg, fields) => context.error(line(msg, fields)),
  };
}
