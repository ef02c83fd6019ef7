/**
 * The errors of the bindings layer. {@link BindingIndexError} stops start-up (the app asks for a
 * binding the host cannot give it, as indexing fails in Azure); {@link BindingError} fails one
 * invocation (a blob that cannot be written, an expression with no value), as in Azure.
 */
import { HostError } from '../common/errors';

/** One thing wrong with one binding of one function, found at start-up. */
export interface BindingProblem {
  function: string;
  binding: string;
  type: string;
  problem: string;
}

export class BindingIndexError extends HostError {
  readonly code = 'BINDING_INDEX';
  readonly retryable = false;

  constructor(readonly problems: BindingProblem[]) {
    super(
      [
        `The app's functions cannot be indexed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map(
          (p) => `  function '${p.function}', binding '${p.binding}' (type '${p.type}'): ${p.problem}`,
        ),
      ].join('\n'),
    );
  }
}

/** A binding failed while an invocation read or wrote it; the invocation fails. */
export class BindingError extends HostError {
  readonly code = 'BINDING_FAILED';

  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** local.settings.json cannot be read the way `func start` reads it. */
export class LocalSettingsError extends HostError {
  readonly code = 'LOCAL_SETTINGS';
  readonly retryable = false;
}
