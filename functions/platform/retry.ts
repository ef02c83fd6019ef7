/**
 * Retries that skip what cannot succeed. A workflow retries an activity with
 * `callActivityWithRetry`, and the Durable extension retries every failure alike (its retry
 * interceptor knows nothing of error types). An activity registered with `terminalAsResult`
 * hands a TerminalError (domain/errors.ts) back as its result instead of failing, so it is tried
 * once; the orchestrator's `settled` turns that result into a TerminalActivityError it can catch.
 */
import type { InvocationContext } from '@azure/functions';
import { isTerminal, TerminalError } from '../../domain/errors';

const KEY = 'terminalFailure';

export interface TerminalFailure {
  [KEY]: { activity: string; code: string; message: string };
}

/** An activity failed with an error that no attempt can fix: it was tried once. */
export class TerminalActivityError extends TerminalError {
  readonly code: string;
  constructor(readonly failure: TerminalFailure[typeof KEY]) {
    super(`${failure.activity} cannot succeed: ${failure.message}`);
    this.code = failure.code;
  }
}

/** Wraps an activity handler so that a terminal error is its result, not its failure. */
export function terminalAsResult<I, O>(
  activity: string,
  handler: (input: I, context: InvocationContext) => O | Promise<O>,
): (input: I, context: InvocationContext) => Promise<O | TerminalFailure> {
  return async (input, context) => {
    try {
      return await handler(input, context);
    } catch (error) {
      if (!isTerminal(error)) throw error;
      const { code, message } = error as TerminalError;
      return { [KEY]: { activity, code, message } };
    }
  };
}

/** In an orchestrator: the activity's result, or a TerminalActivityError for a terminal failure. */
export function settled<O>(result: O | TerminalFailure): O {
  if (result && typeof result === 'object' && KEY in result) {
    throw new TerminalActivityError((result as TerminalFailure)[KEY]);
  }
  return result as O;
}
