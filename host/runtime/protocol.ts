/**
 * The messages between the host and a worker process, over Node's IPC channel with V8
 * serialization (so request and response bodies travel as bytes). The part of Azure's gRPC
 * protocol the host needs: the worker loads the app and reports what it registered (function
 * metadata, hooks, programming model), then runs the invocations and hooks it is sent.
 */
import type { AppRegistrations, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './core';

/** The worker's descriptor of the pipe whose other end only the host holds (its lifeline). */
export const LIFELINE_FD = 4;

/** host → worker */
export type HostMessage =
  | {
      type: 'invoke';
      id: number;
      functionName: string;
      invocationId: string;
      inputData: RpcParameterBinding[];
      triggerMetadata?: Record<string, RpcTypedData>;
      traceParent?: string;
      logFields?: Record<string, unknown>;
    }
  | { type: 'hooks'; id: number; name: 'appStart' | 'appTerminate' }
  /** Settings the host learns after the workers started (WEBSITE_HOSTNAME, once it listens). */
  | { type: 'env'; values: Record<string, string> }
  /** Is the worker's event loop free? It answers `pong` as soon as it is. */
  | { type: 'ping' };

/** worker → host */
export type WorkerMessage =
  | { type: 'loaded'; registrations: AppRegistrations }
  | { type: 'loadFailed'; error: Thrown }
  | { type: 'invoked'; id: number; invocationId: string; response: RpcInvocationResponse }
  /** `failed`: the function threw (`function`) or the worker could not run it (`host`). */
  | { type: 'failed'; id: number; invocationId: string; by: 'function' | 'host'; error: Thrown }
  | { type: 'hooksDone'; id: number; error?: Thrown }
  | { type: 'pong' };

/** A thrown value as it crosses the channel: an Error's parts, or any other value. */
export type Thrown =
  | { error: { name: string; message: string; stack?: string; props?: Record<string, unknown> } }
  | { value: unknown };

export function toThrown(thrown: unknown): Thrown {
  if (!(thrown instanceof Error)) return { value: cloneable(thrown) };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(thrown)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack') props[key] = cloneable(value);
  }
  return {
    error: {
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack,
      ...(Object.keys(props).length > 0 ? { props } : {}),
    },
  };
}

/** The value as the worker threw it, as near as the channel carries it: an Error of the same name. */
export function fromThrown(thrown: Thrown): unknown {
  if (!('error' in thrown)) return thrown.value;
  const { name, message, stack, props } = thrown.error;
  const error = new (errorClass(name))(message);
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
  if (stack !== undefined) error.stack = stack;
  if (props) Object.assign(error, props);
  return error;
}

const classes = new Map<string, ErrorConstructor>();

/** A subclass of Error named `name`, so loggers print the type the app threw. */
function errorClass(name: string): ErrorConstructor {
  if (name === 'Error') return Error;
  let found = classes.get(name);
  if (!found) {
    // The class takes its name from the computed key.
    found = { [name]: class extends Error {} }[name] as unknown as ErrorConstructor;
    classes.set(name, found);
  }
  return found;
}

/** A value the channel can carry (functions and the like become their text). */
function cloneable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  }
  try {
    return structuredClone(value);
  } catch {
    try {
      return JSON.parse(JSON.stringify(value)) as unknown;
    } catch {
      return String(value);
    }
  }
}
