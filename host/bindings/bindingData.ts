/**
 * The binding data of an invocation, from its trigger, for `{name}` expressions:
 * - HTTP: the properties of a JSON object body, the query parameters (not `code`), the route
 *   parameters (these win), and `Query` and `Headers` as objects;
 * - queue: the message's JSON properties, `QueueTrigger`, `DequeueCount`, `Id`, `PopReceipt`;
 * - activity: `instanceId`, and the input as `data` and under the trigger's name;
 * and `sys` (`MethodName`, `UtcNow`, `RandGuid`) for every function.
 */
import type { RpcHttpData, RpcTypedData } from '../runtime/core';
import type { InvocationRequest } from '../runtime/invoke';
import { type BindingData, systemData } from './expressions';
import type { TriggerPlan } from './indexing';
import { utf8 } from './rpcData';

export function bindingDataOf(request: InvocationRequest, trigger: TriggerPlan, now: number): BindingData {
  const data: BindingData = {};
  const input = request.inputData.find((b) => b.name === request.fn.triggerName)?.data;
  if (trigger.kind === 'http' && input?.http) Object.assign(data, httpData(input.http));
  if (trigger.kind === 'queue') Object.assign(data, queueData(request.triggerMetadata ?? {}));
  if (trigger.kind === 'activity') {
    const value = input ? plainValue(input) : undefined;
    data.instanceId = request.logFields?.instanceId;
    data.data = value;
    data[request.fn.triggerName] = value;
  }
  data.sys = systemData(request.fn.name, now);
  return data;
}

function httpData(http: RpcHttpData): BindingData {
  const data: BindingData = {};
  const body = http.body ? textOfBody(http.body) : undefined;
  const parsed = body ? tryJson(body) : undefined;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(data, parsed);
  const query: Record<string, string> = {};
  if (http.url) {
    for (const [key, value] of new URL(http.url).searchParams) query[key] = value;
  }
  Object.assign(query, http.query ?? {});
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() !== 'code') data[key] = value;
  }
  Object.assign(data, http.params ?? {});
  data.Query ??= query;
  data.Headers ??= { ...(http.headers ?? {}) };
  return data;
}

function queueData(metadata: Record<string, RpcTypedData>): BindingData {
  const data: BindingData = {};
  const message = metadata.QueueTrigger?.string;
  const parsed = message ? tryJson(message) : undefined;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(data, parsed);
  for (const key of ['QueueTrigger', 'DequeueCount', 'Id', 'PopReceipt']) {
    const value = metadata[key];
    if (value) data[key] = plainValue(value);
  }
  return data;
}

function textOfBody(body: RpcTypedData): string | undefined {
  if (typeof body.string === 'string') return body.string;
  if (typeof body.json === 'string') return body.json;
  if (body.bytes) return utf8(Buffer.from(body.bytes));
  return undefined;
}

function plainValue(data: RpcTypedData): unknown {
  if (typeof data.json === 'string') return tryJson(data.json);
  if (typeof data.string === 'string') return data.string;
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
