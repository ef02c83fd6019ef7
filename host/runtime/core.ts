/**
 * host/runtime/: the Azure Functions runtime contract the app is written against, and the
 * language worker processes it runs in: the `@azure/functions-core` module (this file), loading
 * the app (load.ts), the invoker (invoke.ts), and the worker processes (worker.ts in each worker;
 * workerProcess.ts and workerPool.ts in the host, which talk to them over IPC, protocol.ts).
 *
 * The `@azure/functions-core` module, as the Azure Functions Node worker provides it.
 *
 * `@azure/functions` requires this module to register functions, hooks and its programming
 * model. Outside Azure the module does not exist and the library drops every registration
 * ("test mode"), so the host installs this implementation into Node's module loader before the
 * app is loaded and keeps what the app registers in a {@link FunctionRegistry}.
 */
import Module from 'node:module';
import type { Logger } from 'pino';
import { HostError } from '../common/errors';

export interface RpcBindingInfo {
  name?: string;
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface Disposable {
  dispose(): void;
}

/** The part of `@azure/functions`' ProgrammingModel the host drives. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  cookies?: unknown[] | null;
  enableContentNegotiation?: boolean | null;
}

export interface RpcParameterBinding {
  name: string;
  data: RpcTypedData;
}

export interface RpcInvocationResponse {
  invocationId?: string;
  outputData?: Array<{ name?: string | null; data?: RpcTypedData | null }> | null;
  returnValue?: RpcTypedData | null;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: RpcParameterBinding[];
    triggerMetadata: Record<string, RpcTypedData>;
    traceContext?: { traceParent?: string; traceState?: string; attributes?: Record<string, string> };
    retryContext?: unknown;
  };
  metadata: { name: string; bindings: Record<string, RpcBindingInfo>; directory: string; scriptFile: string };
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  /** The handler, in the process that loaded the app; the host only knows a worker's report. */
  callback?: FunctionCallback;
  triggerName: string;
  trigger: RpcBindingInfo;
}

export class FunctionRegistrationError extends HostError {
  readonly code = 'FUNCTION_REGISTRATION';
  readonly retryable = false;
}

/**
 * What a process that loaded the app registered, as a worker reports it to the host (Azure's
 * worker sends the same facts in its function metadata and init responses).
 */
export interface AppRegistrations {
  functions: FunctionMetadata[];
  /** How many hooks of each kind the app registered. */
  hooks: Record<HookName, number>;
  programmingModel?: { name: string; version: string };
}

/** Everything an app registered through `@azure/functions-core`. */
export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks: Record<HookName, HookCallback[]> = {
    appStart: [],
    appTerminate: [],
    preInvocation: [],
    postInvocation: [],
    log: [],
  };
  programmingModel: ProgrammingModel | undefined;

  constructor(private readonly logger: Logger) {}

  /** Functions are matched case-insensitively, as the Functions host does. */
  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  byTriggerType(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((f) => f.trigger.type === type);
  }

  /** What this process's app registered, for the host. */
  registrations(): AppRegistrations {
    const hooks = Object.fromEntries(
      Object.entries(this.hooks).map(([name, list]) => [name, list.length]),
    ) as Record<HookName, number>;
    const model = this.programmingModel;
    return {
      functions: [...this.functions.values()].map((f) => f.metadata),
      hooks,
      programmingModel: model ? { name: model.name, version: model.version } : undefined,
    };
  }

  /** Takes the functions a worker reported (the host's view: metadata, no handlers). */
  adopt(registrations: AppRegistrations): void {
    for (const metadata of registrations.functions) this.registerFunction(metadata, undefined);
  }

  /** The module object handed to `require('@azure/functions-core')`. */
  coreApi(): Record<string, unknown> {
    return {
      version: '3.10.1',
      hostVersion: '4.1000.0',
      setProgrammingModel: (model: ProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
      registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable =>
        this.registerFunction(metadata, callback),
      registerHook: (hookName: string, callback: HookCallback): Disposable =>
        this.registerHook(hookName, callback),
      log: (level: string, category: string, message: string) => {
        this.logger[toPinoLevel(level)]({ category }, message);
      },
    };
  }

  private registerFunction(metadata: FunctionMetadata, callback: FunctionCallback | undefined): Disposable {
    const key = metadata.name.toLowerCase();
    if (this.functions.has(key)) {
      throw new FunctionRegistrationError(`A function named "${metadata.name}" is already registered.`);
    }
    const entry = Object.entries(metadata.bindings).find(([, b]) =>
      b.type?.toLowerCase().endsWith('trigger'),
    );
    if (!entry) {
      throw new FunctionRegistrationError(`Function "${metadata.name}" has no trigger binding.`);
    }
    const [triggerName, trigger] = entry;
    this.functions.set(key, { name: metadata.name, metadata, callback, triggerName, trigger });
    return { dispose: () => this.functions.delete(key) };
  }

  private registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!(hookName in this.hooks)) {
      const error = new RangeError(`Unrecognized hook "${hookName}"`) as RangeError & {
        isAzureFunctionsSystemError: boolean;
      };
      error.isAzureFunctionsSystemError = true;
      throw error;
    }
    const list = this.hooks[hookName as HookName];
    list.push(callback);
    return {
      dispose: () => {
        const i = list.indexOf(callback);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }
}

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export function toPinoLevel(level: string): PinoLevel {
  switch (level.toLowerCase()) {
    case 'trace':
      return 'trace';
    case 'debug':
      return 'debug';
    case 'warning':
    case 'warn':
      return 'warn';
    case 'error':
      return 'error';
    case 'critical':
      return 'fatal';
    default:
      return 'info';
  }
}

const CORE_MODULE = '@azure/functions-core';
let installedApi: Record<string, unknown> | undefined;

/**
 * Makes `require('@azure/functions-core')` resolve to the given registry's API for the rest of
 * this process, the way the Functions worker does. One registry per process.
 */
export function installCoreModule(registry: FunctionRegistry): void {
  if (installedApi)
    throw new FunctionRegistrationError('@azure/functions-core is already installed in this process');
  installedApi = registry.coreApi();
  const loader = Module as unknown as {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
  };
  const originalLoad = loader._load;
  loader._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (request === CORE_MODULE) return installedApi;
    return originalLoad.call(this, request, parent, isMain);
  };
}
