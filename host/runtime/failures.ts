/**
 * What can go wrong with a worker process while it runs a function, as the app sees it (the
 * `original` of an {@link InvocationError}): the function overran `functionTimeout`, or its worker
 * process ended (it exited, crashed on an uncaught exception, or ran out of memory). Both carry
 * the names the Functions host gives them, which reach an orchestrator in an activity's failure.
 */
import { HostError } from '../common/errors';

/** The invocation overran host.json's `functionTimeout`; its worker process is restarted. */
export class FunctionTimeoutError extends HostError {
  readonly code = 'FUNCTION_TIMEOUT';
  readonly retryable = true;

  constructor(
    readonly functionName: string,
    readonly invocationId: string,
    readonly timeoutMs: number,
  ) {
    // The Functions host's own words (its FunctionTimeoutException), with its TimeSpan format.
    super(
      `Timeout value of ${timeSpan(timeoutMs)} exceeded by function 'Functions.${functionName}' (Id: '${invocationId}'). Initiating cancellation.`,
    );
    this.name = 'Microsoft.Azure.WebJobs.Host.FunctionTimeoutException';
  }
}

/** The worker process running the invocation ended before it answered. */
export class WorkerExitError extends HostError {
  readonly code = 'WORKER_EXITED';
  readonly retryable = true;

  constructor(
    readonly functionName: string,
    readonly pid: number | undefined,
    readonly how: string,
  ) {
    super(`The worker process (PID ${pid ?? '?'}) running function '${functionName}' ${how}`);
    this.name = 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException';
  }
}

/** .NET TimeSpan text, `hh:mm:ss` or `d.hh:mm:ss`, with fractions of a second when there are. */
export function timeSpan(ms: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const rest = `${pad(Math.floor((totalSeconds % 86_400) / 3600))}:${pad(Math.floor((totalSeconds % 3600) / 60))}:${pad(totalSeconds % 60)}`;
  const fraction = ms % 1000 ? `.${String(ms % 1000).padStart(3, '0')}0000` : '';
  return `${days ? `${days}.` : ''}${rest}${fraction}`;
}
