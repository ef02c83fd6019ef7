/** What a Playground user sees and what passes between the Playground and the bot. */
import { type AdaptiveCard, type Attachment, cardText } from './cards';

export interface MessageVersion {
  /** `created` by the bot or the user, `updated` by the bot (PUT), or replaced in the clicker's
   * view by an `invokeResponse` card (what Teams shows the person who clicked). */
  source: 'created' | 'updated' | 'invokeResponse';
  at: number;
  text?: string;
  attachments: Attachment[];
}

export interface ChatMessage {
  /** The Playground's message id: the activity id the bot got back, and `replyToId` of a click. */
  id: string;
  conversationId: string;
  from: 'bot' | 'user';
  /** When the Playground created it (ms since epoch); chats are in this order. */
  timestamp: number;
  /** Current text (latest version). */
  text?: string;
  /** Current attachments (latest version). */
  attachments: Attachment[];
  /** Current Adaptive Cards among the attachments. */
  cards: AdaptiveCard[];
  /** Every version, oldest first. */
  versions: MessageVersion[];
  /** The activity the bot posted to the connector for this message (latest), when known. */
  activity?: Record<string, unknown>;
}

/** An activity the Playground delivered to the bot, with the bot's HTTP answer. */
export interface Delivery {
  type: string;
  activity: Record<string, unknown>;
  status: number;
  body: unknown;
  at: number;
}

export interface InvokeResult {
  /** The Playground's HTTP status: 200 when the bot answered 2xx, 502 when it failed. */
  status: number;
  /** Invoke response type, e.g. `application/vnd.microsoft.card.adaptive` or `...message`. */
  type?: string;
  value?: unknown;
  /** Error body when status is not 200. */
  error?: unknown;
}

export interface SentMessage {
  /** The Playground's id of the user's message. */
  messageId: string;
  /** When the Playground took it: the bot's answers come later. */
  timestamp: number;
  /** The message activity as delivered to the bot, with the bot's HTTP answer. */
  delivery: Delivery;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Said in the error when the wait times out. */
  description?: string;
}

export function messageText(message: ChatMessage): string {
  return [message.text ?? '', ...message.cards.map(cardText)].join('\n');
}

export function describeChat(messages: ChatMessage[]): string {
  if (messages.length === 0) return '(empty)';
  return messages
    .map(
      (m) => `[${m.from} ${m.id} v${m.versions.length}] ${messageText(m).replace(/\s+/g, ' ').slice(0, 200)}`,
    )
    .join(' || ');
}

/** Polls `condition` until it holds, or throws `message()` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 25));
  }
}
