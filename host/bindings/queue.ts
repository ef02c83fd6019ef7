/**
 * Queue messages as the storage queue extension writes and reads them: each output item is one
 * message (a list is one message per element; text as it is, anything else as JSON), encoded in
 * base64 unless host.json says `extensions.queues.messageEncoding: "none"`; the queue is created
 * when it does not exist. A queue trigger of this host on the same queue is told at once, so it
 * need not wait for its next poll (the extension's shared queue watcher).
 */
import type { QueueClient } from '@azure/storage-queue';
import { BindingError } from './errors';
import { statusOf } from './rpcData';

export type MessageEncoding = 'base64' | 'none';

const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** A queue name as the extension takes it: lowercased, then checked. */
export function normalizeQueueName(name: string): string {
  const lower = name.toLowerCase();
  if (!QUEUE_NAME.test(lower)) {
    throw new BindingError(
      `Invalid queue name: '${name}' (3-63 lowercase letters, digits and single dashes, starting and ending with a letter or digit)`,
      false,
    );
  }
  return lower;
}

/** The message text for an output item. */
export function messageContent(item: unknown): string | Buffer {
  if (Buffer.isBuffer(item)) return item;
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  return JSON.stringify(item);
}

export function encodeMessage(content: string | Buffer, encoding: MessageEncoding): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A message's bytes, or undefined when it is not valid base64 (a message the trigger cannot decode). */
export function decodeMessage(text: string, encoding: MessageEncoding): Buffer | undefined {
  if (encoding === 'none') return Buffer.from(text, 'utf8');
  const compact = text.replace(/\s+/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

/** Sends a message, creating the queue when it does not exist. */
export async function sendMessage(queue: QueueClient, text: string): Promise<void> {
  try {
    await queue.sendMessage(text);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    await queue.createIfNotExists();
    await queue.sendMessage(text);
  }
}

/** The queue listeners of this host, told when a function of this host adds a message. */
export class QueueWatcher {
  private readonly listeners = new Map<string, Set<() => void>>();

  register(queue: QueueClient, listener: () => void): () => void {
    const key = queue.url;
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  notify(queue: QueueClient): void {
    for (const listener of this.listeners.get(queue.url) ?? []) listener();
  }
}
