/**
 * The app's errors: every one has a `code` callers can branch on, and says whether trying the
 * same thing again later can succeed. A {@link TerminalError} never can (bad input, a rule that
 * says no, a missing setting): workflows do not retry it. A {@link RetryableError} may (a
 * dependency briefly unavailable, a write that lost a race).
 */
export abstract class SignoffError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Trying again cannot help. */
export abstract class TerminalError extends SignoffError {
  readonly retryable = false;
}

/** Trying again later may succeed. */
export abstract class RetryableError extends SignoffError {
  readonly retryable = true;
}

/** Whether `error` is one the app says must not be retried. */
export function isTerminal(error: unknown): boolean {
  return error instanceof SignoffError && !error.retryable;
}
