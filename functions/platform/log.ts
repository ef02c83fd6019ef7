/**
 * The app's loggers: an invocation's (`context.info/warn/error`), which the Functions host — in
 * Azure or the embedded one — turns into its log lines; each line is one JSON object, message
 * and fields, so the host keeps the fields. Before any invocation (module load), `startupLog`
 * writes the same JSON to stderr.
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

const stderrLine = (level: string, msg: string, fields?: LogFields) =>
  `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`;

/** For what happens while the app loads, outside any invocation. */
export const startupLog: Log = {
  info: (msg, fields) => process.stderr.write(stderrLine('info', msg, fields)),
  warn: (msg, fields) => process.stderr.write(stderrLine('warn', msg, fields)),
  error: (msg, fields) => process.stderr.write(stderrLine('error', msg, fields)),
};
