/** The bot's structured log: one JSON object a line, as everywhere in the app. */
type Level = 'info' | 'warn' | 'error';

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = `${JSON.stringify({ level, time: new Date().toISOString(), source: 'bot', msg, ...fields })}\n`;
  (level === 'info' ? process.stdout : process.stderr).write(line);
}

/** A thrown value as loggable fields. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return { error: error.message, ...(typeof status === 'number' ? { statusCode: status } : {}) };
  }
  return { error: String(error) };
}
