/**
 * The invoker with bindings, on the host's side of the worker, where the Functions host resolves
 * bindings in Azure: before an invocation it reads the function's input bindings (blob, table,
 * durable client) into its input data; after it, it writes the values the function gave its
 * output bindings (blob, queue, table; HTTP stays with the HTTP front door). A binding that
 * fails to read or write fails the invocation with an {@link InvocationError}, so each trigger
 * treats it as a failure of the function (a 500 for HTTP, a retry for a queue message, a failed
 * activity for its orchestrator).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/log';
import type { Clock } from '../durable/clock';
import type { RpcTypedData } from '../runtime/core';
import {
  InvocationError,
  type InvocationRequest,
  type InvocationResult,
  type Invoker,
} from '../runtime/invoke';
import { bindingDataOf } from './bindingData';
import { parseBlobPath, readBlob, writeBlob } from './blob';
import type { BindingData } from './expressions';
import type { FunctionPlan, InputPlan, OutputPlan } from './indexing';
import { encodeMessage, messageContent, normalizeQueueName, type QueueWatcher, sendMessage } from './queue';
import type { QueueOptions } from './queueOptions';
import { bytesOf, itemsOf, jsonData, NONE } from './rpcData';
import { checkTableName, entitiesOf, odataQuote, queryEntities, readEntity, writeEntities } from './table';

export interface BoundInvokerDeps {
  clock: Clock;
  logger: Logger;
  queues: QueueOptions;
  watcher: QueueWatcher;
  /** The `durableClient` binding's payload (links to this host's Durable API). */
  durableClient: () => unknown;
}

export class BoundInvoker {
  private readonly plans = new Map<string, FunctionPlan>();

  constructor(
    plans: FunctionPlan[],
    private readonly deps: BoundInvokerDeps,
  ) {
    for (const plan of plans) {
      if (plan.inputs.length > 0 || plan.outputs.length > 0) this.plans.set(plan.fn.name.toLowerCase(), plan);
    }
  }

  /**
   * `inner` with bindings around each invocation; everything else it does (hooks, closing) is its
   * own. The result is an Invoker like `inner`, whatever else `inner` offers.
   */
  decorate<T extends Invoker>(inner: T): T {
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === 'invoke') return (request: InvocationRequest) => this.invoke(target, request);
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  private async invoke(inner: Invoker, request: InvocationRequest): Promise<InvocationResult> {
    const plan = this.plans.get(request.fn.name.toLowerCase());
    if (!plan) return inner.invoke(request);
    const invocationId = request.invocationId ?? randomUUID();
    const now = this.deps.clock.now();
    let data: BindingData | undefined;
    const bindingData = () => {
      data ??= bindingDataOf(request, plan.trigger, now);
      return data;
    };
    const inputData = [...request.inputData];
    for (const input of plan.inputs) {
      if (inputData.some((b) => b.name === input.name)) continue;
      try {
        inputData.push({ name: input.name, data: await this.read(input, bindingData, now) });
      } catch (error) {
        throw this.failure(plan, input, 'read', invocationId, error);
      }
    }
    const result = await inner.invoke({ ...request, invocationId, inputData });
    for (const output of plan.outputs) {
      const value =
        output.name === '$return'
          ? result.response.returnValue
          : result.response.outputData?.find((o) => o.name === output.name)?.data;
      if (!value || Object.keys(value).length === 0) continue;
      try {
        await this.write(output, value, bindingData, now);
      } catch (error) {
        throw this.failure(plan, output, 'write', invocationId, error);
      }
    }
    return result;
  }

  private failure(
    plan: FunctionPlan,
    binding: InputPlan | OutputPlan,
    what: 'read' | 'write',
    invocationId: string,
    error: unknown,
  ): InvocationError {
    // A storage error's first line says what went wrong (then come request ids and times).
    const why = String((error as Error)?.message ?? error).split('\n')[0];
    const message = `Function '${plan.fn.name}': the ${binding.kind} binding '${binding.name}' could not ${what}: ${why}`;
    this.deps.logger.warn(
      { function: plan.fn.name, invocationId, binding: binding.name, err: error },
      message,
    );
    return new InvocationError(message, invocationId, error);
  }

  private async read(input: InputPlan, data: () => BindingData, now: number): Promise<RpcTypedData> {
    switch (input.kind) {
      case 'durableClient':
        return { string: JSON.stringify(this.deps.durableClient()) };
      case 'blob': {
        const content = await readBlob(input.account, parseBlobPath(input.path.bind(data, { now })));
        if (content === undefined) return NONE;
        return input.asString ? { string: content.toString('utf8') } : { bytes: content };
      }
      case 'table': {
        const table = input.account.table(checkTableName(input.tableName.bind(data, { now })));
        const partitionKey = input.partitionKey?.bind(data, { now });
        if (input.rowKey && partitionKey !== undefined) {
          const entity = await readEntity(table, partitionKey, input.rowKey.bind(data, { now }));
          return entity ? jsonData(entity) : NONE;
        }
        const filter = input.filter?.bind(data, { now, escape: odataQuote });
        return jsonData(await queryEntities(table, { partitionKey, filter, take: input.take }));
      }
    }
  }

  private async write(
    output: OutputPlan,
    value: RpcTypedData,
    data: () => BindingData,
    now: number,
  ): Promise<void> {
    switch (output.kind) {
      case 'blob': {
        const content = bytesOf(value);
        if (content === undefined) return;
        await writeBlob(output.account, parseBlobPath(output.path.bind(data, { now })), content);
        return;
      }
      case 'queue': {
        const queue = output.account
          .queues()
          .getQueueClient(normalizeQueueName(output.queueName.bind(data, { now })));
        for (const item of itemsOf(value)) {
          if (item === null || item === undefined) continue;
          await sendMessage(queue, encodeMessage(messageContent(item), this.deps.queues.messageEncoding));
        }
        this.deps.watcher.notify(queue);
        return;
      }
      case 'table': {
        const table = output.account.table(checkTableName(output.tableName.bind(data, { now })));
        const writes = entitiesOf(itemsOf(value), {
          partitionKey: output.partitionKey?.bind(data, { now }),
          rowKey: output.rowKey?.bind(data, { now }),
        });
        await writeEntities(table, writes);
        return;
      }
    }
  }
}
