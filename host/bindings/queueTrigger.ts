/**
 * The queue trigger, as the storage queue extension runs it:
 * - it polls the queue for up to `batchSize` messages, each hidden for 10 minutes (renewed every
 *   5 while its function runs); found some, it polls again as soon as no more than
 *   `newBatchThreshold` are in flight; found none, it waits with randomized exponential backoff
 *   from 100 ms up to `maxPollingInterval`, unless a function of this host adds a message to
 *   the queue, which wakes it at once;
 * - each message is decoded (base64 unless `messageEncoding` is `none`) and given to the
 *   function as text (as JSON when it is: the programming model parses it), with `dequeueCount`,
 *   `id`, `insertionTime`, `expirationTime`, `nextVisibleTime`, `popReceipt` and `queueTrigger`
 *   in its trigger metadata;
 * - a function that succeeds deletes its message; one that fails leaves it for another try after
 *   `visibilityTimeout`, until it has been tried `maxDequeueCount` times: then the message moves
 *   to `<queue>-poison` (as received), as does a message that cannot be decoded. A queue whose
 *   name already ends in `-poison`, or would be too long with it, has no poison queue: its failed
 *   messages stay hidden for their 10 minutes and come back.
 * Storage that cannot be reached is logged once and polled at the longest interval until it is back.
 */
import { randomUUID } from 'node:crypto';
import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { Logger } from '../common/log';
import type { Clock } from '../durable/clock';
import type { RegisteredFunction, RpcTypedData } from '../runtime/core';
import { InvocationError, type Invoker } from '../runtime/invoke';
import { jsonDate } from './dotnet';
import { decodeMessage, type QueueWatcher, sendMessage } from './queue';
import { MIN_POLLING_INTERVAL_MS, type QueueOptions } from './queueOptions';
import { statusOf, utf8 } from './rpcData';

/** How long a received message stays hidden; renewed halfway while its function runs. */
const LEASE_SECONDS = 600;
const POISON_SUFFIX = '-poison';

interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  messageText: string;
  dequeueCount: number;
  insertedOn: Date;
  expiresOn: Date;
  nextVisibleOn: Date;
}

export interface QueueTriggerDeps {
  invoker: Invoker;
  clock: Clock;
  logger: Logger;
  options: QueueOptions;
  watcher: QueueWatcher;
}

/** Where a queue's poison messages go: none for a poison queue, or when the name would be too long. */
export function poisonQueueName(queue: string): string | undefined {
  if (queue.endsWith(POISON_SUFFIX)) return undefined;
  const name = `${queue}${POISON_SUFFIX}`;
  return name.length <= 63 ? name : undefined;
}

export class QueueTriggerListener {
  private stopped = false;
  private wake: (() => void) | undefined;
  private notified = false;
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private unregister: (() => void) | undefined;
  private readonly queue: QueueClient;
  private readonly poison: QueueClient | undefined;
  private readonly backoff: PollingBackoff;

  constructor(
    private readonly fn: RegisteredFunction,
    queues: QueueServiceClient,
    queueName: string,
    private readonly asBytes: boolean,
    private readonly deps: QueueTriggerDeps,
  ) {
    this.queue = queues.getQueueClient(queueName);
    const poison = poisonQueueName(queueName);
    this.poison = poison ? queues.getQueueClient(poison) : undefined;
    this.backoff = new PollingBackoff(deps.options.maxPollingIntervalMs);
  }

  start(): void {
    this.unregister = this.deps.watcher.register(this.queue, () => {
      this.notified = true;
      this.wake?.();
    });
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister?.();
    this.wake?.();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private async poll(): Promise<void> {
    const { batchSize, newBatchThreshold } = this.deps.options;
    let exists = false;
    let foundSinceLastWait = false;
    let unreachable = false;
    while (!this.stopped) {
      let batch: ReceivedMessage[] = [];
      try {
        exists ||= await this.queue.exists();
        if (exists) {
          const received = await this.queue.receiveMessages({
            numberOfMessages: batchSize,
            visibilityTimeout: LEASE_SECONDS,
          });
          batch = received.receivedMessageItems;
        }
        if (unreachable)
          this.deps.logger.info({ function: this.fn.name, queue: this.queue.name }, 'queue reachable again');
        unreachable = false;
      } catch (error) {
        exists = false;
        if (!unreachable) {
          this.deps.logger.warn(
            { function: this.fn.name, queue: this.queue.name, err: error },
            'queue trigger cannot reach its queue; polling on',
          );
        }
        unreachable = true;
      }
      if (batch.length === 0) {
        await this.pause(
          unreachable ? this.deps.options.maxPollingIntervalMs : this.backoff.next(foundSinceLastWait),
        );
        foundSinceLastWait = false;
        continue;
      }
      foundSinceLastWait = true;
      for (const message of batch) this.track(this.process(message));
      while (this.inFlight.size > newBatchThreshold && !this.stopped) await Promise.race(this.inFlight);
    }
  }

  /** Waits `ms`, or less when a message is added to the queue by this host, or when stopping. */
  private async pause(ms: number): Promise<void> {
    if (this.notified || this.stopped) {
      this.notified = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
    this.notified = false;
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async process(message: ReceivedMessage): Promise<void> {
    const { maxDequeueCount, messageEncoding, visibilityTimeoutMs } = this.deps.options;
    try {
      if (message.dequeueCount > maxDequeueCount) {
        await this.moveToPoison(message, `it was dequeued ${message.dequeueCount} times`);
        return;
      }
      const bytes = decodeMessage(message.messageText, messageEncoding);
      if (!bytes) {
        await this.moveToPoison(
          message,
          'it is not valid base64 (host.json extensions.queues.messageEncoding is base64)',
        );
        return;
      }
      const lease = new Lease(this.queue, message, this.deps.logger);
      let succeeded: boolean;
      try {
        succeeded = await this.invoke(message, bytes);
      } finally {
        lease.end();
      }
      if (succeeded) {
        await ignoreGone(this.queue.deleteMessage(message.messageId, lease.popReceipt));
      } else if (this.poison && message.dequeueCount >= maxDequeueCount) {
        await this.moveToPoison(
          { ...message, popReceipt: lease.popReceipt },
          `it failed ${message.dequeueCount} times`,
        );
      } else if (this.poison) {
        await ignoreGone(
          this.queue.updateMessage(
            message.messageId,
            lease.popReceipt,
            undefined,
            Math.floor(visibilityTimeoutMs / 1000),
          ),
        );
      }
    } catch (error) {
      this.deps.logger.error(
        { function: this.fn.name, err: error, messageId: message.messageId },
        'queue message not completed',
      );
    }
  }

  /** Runs the function; whether it succeeded. */
  private async invoke(message: ReceivedMessage, bytes: Buffer): Promise<boolean> {
    const text = utf8(bytes);
    const input: RpcTypedData = this.asBytes || text === undefined ? { bytes } : { string: text };
    const date = (d: Date) => ({ json: JSON.stringify(jsonDate(d.getTime())) });
    const triggerMetadata: Record<string, RpcTypedData> = {
      DequeueCount: { json: String(message.dequeueCount) },
      ExpirationTime: date(message.expiresOn),
      Id: { string: message.messageId },
      InsertionTime: date(message.insertedOn),
      NextVisibleTime: date(message.nextVisibleOn),
      PopReceipt: { string: message.popReceipt },
      sys: {
        json: JSON.stringify({
          MethodName: this.fn.name,
          UtcNow: new Date(this.deps.clock.now()).toISOString(),
          RandGuid: randomUUID(),
        }),
      },
    };
    if (text !== undefined) triggerMetadata.QueueTrigger = { string: text };
    try {
      await this.deps.invoker.invoke({
        fn: this.fn,
        inputData: [{ name: this.fn.triggerName, data: input }],
        triggerMetadata,
        logFields: {
          kind: 'queue',
          queue: this.queue.name,
          messageId: message.messageId,
          dequeueCount: message.dequeueCount,
        },
      });
      return true;
    } catch (error) {
      const original = error instanceof InvocationError ? error.original : error;
      this.deps.logger.warn(
        {
          function: this.fn.name,
          err: original,
          messageId: message.messageId,
          dequeueCount: message.dequeueCount,
        },
        'queue-triggered function failed',
      );
      return false;
    }
  }

  private async moveToPoison(message: ReceivedMessage, why: string): Promise<void> {
    if (!this.poison) return;
    this.deps.logger.warn(
      {
        function: this.fn.name,
        messageId: message.messageId,
        queue: this.queue.name,
        poisonQueue: this.poison.name,
      },
      `Message has reached MaxDequeueCount of ${this.deps.options.maxDequeueCount} (${why}). Moving message to queue '${this.poison.name}'.`,
    );
    await sendMessage(this.poison, message.messageText);
    await ignoreGone(this.queue.deleteMessage(message.messageId, message.popReceipt));
    this.deps.watcher.notify(this.poison);
  }
}

/** Keeps a message hidden while its function runs: renewed halfway through each lease. */
class Lease {
  popReceipt: string;
  private readonly timer: NodeJS.Timeout;

  constructor(queue: QueueClient, message: ReceivedMessage, logger: Logger) {
    this.popReceipt = message.popReceipt;
    this.timer = setInterval(
      () => {
        queue
          .updateMessage(message.messageId, this.popReceipt, undefined, LEASE_SECONDS)
          .then((r) => {
            if (r.popReceipt) this.popReceipt = r.popReceipt;
          })
          .catch((err: unknown) =>
            logger.warn({ err, messageId: message.messageId }, 'could not renew a queue message'),
          );
      },
      (LEASE_SECONDS * 1000) / 2,
    );
    this.timer.unref();
  }

  end(): void {
    clearInterval(this.timer);
  }
}

/** Deleting or releasing a message that is already gone (or taken over) is not an error. */
async function ignoreGone(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    const status = statusOf(error);
    if (status !== 404 && status !== 400) throw error;
  }
}

/**
 * The polling backoff: back to the minimum after a poll that found messages, else each wait
 * longer than the last by a doubling step (randomized by ±20%), up to the maximum.
 */
export class PollingBackoff {
  private current = 0;
  private exponent = 0;

  constructor(
    private readonly maximum: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(found: boolean): number {
    if (found) {
      this.current = MIN_POLLING_INTERVAL_MS;
      this.exponent = 1;
    } else if (this.current !== this.maximum) {
      let interval = MIN_POLLING_INTERVAL_MS;
      if (this.exponent > 0) {
        interval += (0.8 + 0.4 * this.random()) * 2 ** (this.exponent - 1) * MIN_POLLING_INTERVAL_MS;
      }
      if (interval < this.maximum) {
        this.current = interval;
        this.exponent++;
      } else {
        this.current = this.maximum;
      }
    }
    return this.current;
  }
}
