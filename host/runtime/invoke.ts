/**
 * The invoker: how the host runs a function of the app. Callers (durable/, http/) hold an
 * {@link Invoker} and never know where the code runs: in worker processes (workerPool.ts, as in
 * Azure) or, with `--in-process`, on this event loop ({@link InProcessInvoker}, which each worker
 * process also uses for the invocations it is sent).
 *
 * {@link InProcessInvoker} invokes a registered function the way the Node worker does: through the
 * programming model's invocation model (`getArguments` / `invokeFunction` / `getResponse`), so
 * that `@azure/functions` performs its own binding conversions, with the app's pre- and
 * post-invocation hooks around the call.
 */
import { randomUUID } from 'node:crypto';
import { HostError } from '../common/errors';
import type { Logger } from '../common/log';
import type {
  CoreInvocationContext,
  FunctionCallback,
  FunctionRegistry,
  RegisteredFunction,
  RpcInvocationResponse,
  RpcParameterBinding,
  RpcTypedData,
} from './core';
import { toPinoLevel } from './core';

/**
 * The app's function threw (or its hooks did); `original` is what it threw. Not retryable as far
 * as the host knows: whether a failure is transient is for the app to say (retry policies).
 */
export class InvocationError extends HostError {
  readonly code = 'INVOCATION_FAILED';
  readonly retryable = false;

  constructor(
    message: string,
    readonly invocationId: string,
    readonly original: unknown,
  ) {
    super(message);
  }
}

export interface InvocationRequest {
  fn: RegisteredFunction;
  /** The invocation's id; a new one when not given. */
  invocationId?: string;
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  traceParent?: string;
  /** Extra fields for the invocation log line, e.g. the durable instance id. */
  logFields?: Record<string, unknown>;
}

export interface InvocationResult {
  invocationId: string;
  response: RpcInvocationResponse;
}

/** Runs the app's functions and hooks, wherever the app's code is. */
export interface Invoker {
  /**
   * Runs the function. A failure of the function (it threw, or overran `functionTimeout`) rejects
   * with an {@link InvocationError}; anything else that rejects is a failure of the host.
   */
  invoke(request: InvocationRequest): Promise<InvocationResult>;
  /** Runs the app's `appStart` or `appTerminate` hooks (in every worker process). */
  runAppHooks(name: 'appStart' | 'appTerminate'): Promise<void>;
  /** Stops running the app's code; invocations still running never settle. */
  close(): Promise<void>;
}

/** Runs the app loaded into this process, on this event loop. */
export class InProcessInvoker implements Invoker {
  private readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly logger: Logger,
    private readonly appDirectory: string,
  ) {}

  async runAppHooks(name: 'appStart' | 'appTerminate'): Promise<void> {
    for (const hook of this.registry.hooks[name]) {
      await hook({ hookData: {}, appHookData: this.appHookData, functionAppDirectory: this.appDirectory });
    }
  }

  /** Runs the function; a throwing handler rejects with an {@link InvocationError}. */
  async invoke(request: InvocationRequest): Promise<InvocationResult> {
    const model = this.registry.programmingModel;
    if (!model) throw new Error('The app did not set a programming model (is @azure/functions loaded?)');
    const { fn } = request;
    const callback = fn.callback;
    if (!callback) throw new Error(`Function "${fn.name}" has no handler in this process`);
    const invocationId = request.invocationId ?? randomUUID();
    const started = performance.now();
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData: request.inputData,
        triggerMetadata: request.triggerMetadata ?? {},
        traceContext: request.traceParent ? { traceParent: request.traceParent, attributes: {} } : undefined,
      },
      metadata: {
        name: fn.name,
        bindings: fn.metadata.bindings,
        directory: this.appDirectory,
        scriptFile: '',
      },
      log: (level, category, message) => {
        const { msg, fields } = structured(message);
        this.logger[toPinoLevel(level)]({ ...fields, function: fn.name, invocationId, category }, msg);
      },
    };
    const invocationModel = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs,
      functionCallback: callback,
    };
    let result: unknown;
    let error: unknown;
    try {
      coreCtx.state = 'preInvocationHooks';
      for (const hook of this.registry.hooks.preInvocation) await hook(pre);
      coreCtx.state = 'invocation';
      result = await invocationModel.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as FunctionCallback,
      );
    } catch (err) {
      error = err;
    }
    const post: Record<string, unknown> = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs: pre.inputs,
      result,
      error,
    };
    coreCtx.state = 'postInvocationHooks';
    for (const hook of this.registry.hooks.postInvocation) {
      try {
        await hook(post);
      } catch (err) {
        post.error = err;
      }
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const fields = { function: fn.name, invocationId, durationMs, ...request.logFields };
    if (post.error !== undefined) {
      this.logger.info({ ...fields, outcome: 'failed' }, 'invocation');
      const original = post.error;
      const message = original instanceof Error ? original.message : String(original);
      throw new InvocationError(message, invocationId, original);
    }
    const response = await invocationModel.getResponse(context, post.result);
    this.logger.info({ ...fields, outcome: 'succeeded' }, 'invocation');
    return { invocationId, response };
  }

  async close(): Promise<void> {}
}

/**
 * An app's log message that is one JSON object with a `msg` (structured logging through the
 * invocation context) becomes that message with its other fields beside it on the host's line;
 * any other message stays as it is.
 */
export function structured(message: string): { msg: string; fields: Record<string, unknown> } {
  if (!message.startsWith('{') || !message.endsWith('}')) return { msg: message, fields: {} };
  try {
    const parsed = JSON.parse(message) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const { msg, ...fields } = parsed as Record<string, unknown>;
      if (typeof msg === 'string') return { msg, fields };
    }
  } catch {
    // Not JSON after all: logged as written.
  }
  return { msg: message, fields: {} };
}
