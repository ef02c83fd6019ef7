/**
 * Structured logging for the host: one JSON object a line, on stdout, with the level as a word.
 * App code logs through its invocation context, which ends up here too (runtime/invoke.ts).
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Every line is the host's (its own stdout), so lines carry no logger name: a field `name` is
 * always the line's own (a function's, an alert's).
 */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    level: options.level ?? process.env.SIGNOFF_LOG_LEVEL ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Levels as words, as the app's own lines (and most log tools) write them.
    formatters: { level: (label) => ({ level: label }) },
  });
}
