import { type Attachment, cardsOf } from './cards';
import { type ChatMessage, type Delivery, type MessageVersion, waitUntil } from './chat';
import { PlaygroundProcess } from './playgroundProcess';
import type { MockTenant, MockUser } from './tenant';
import { WebSocketClient } from './ws';

interface LogItem {
  id?: string;
  type?: string;
  level?: string;
  from?: string;
  to?: string;
  timestamp?: number;
  conversationId?: string;
  activityName?: string;
  displayText?: string;
  request?: { body?: unknown };
  response?: { statusCode?: number; body?: unknown };
}

interface WsMessage {
  messageId: string;
  timestamp: number;
  from: { id: string };
  text?: string;
  attachments?: Attachment[];
}

const PLAYGROUND_LABEL = 'Microsoft 365 Agents Playground';
const BOT_LABEL = 'User Application';

/** One user's Playground, and what it streams: the user's chat and the traffic with the bot. */
export class UserPlayground {
  readonly process: PlaygroundProcess;
  private sockets: WebSocketClient[] = [];
  readonly messages = new Map<string, ChatMessage>();
  readonly deliveries: Delivery[] = [];
  /** Warnings the Playground logged (bot unreachable, invoke not implemented, ...). */
  readonly warnings: string[] = [];
  private readonly claimed = new Set<Delivery>();
  private readonly botActivities = new Map<string, Record<string, unknown>>();

  constructor(
    readonly user: MockUser,
    private readonly tenant: MockTenant,
    botEndpoint: string,
    dir: string,
  ) {
    this.process = new PlaygroundProcess({ user, tenant, botEndpoint, dir });
  }

  get url(): string {
    return this.process.url;
  }

  get chatId(): string {
    return this.process.chatId;
  }

  async start(): Promise<void> {
    await this.process.start();
    // The Playground sends each stream's messages to every client connected at the time (and
    // buffers them only while none is): connect before anything happens.
    const ws = this.url.replace(/^http/, 'ws');
    this.sockets.push(
      await WebSocketClient.connect(`${ws}/_ws_conversation/v1/conversations/stream`, (t) =>
        this.onConversation(t),
      ),
      await WebSocketClient.connect(`${ws}/_ws/log/stream`, (t) => this.onLog(t)),
    );
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets.splice(0)) socket.close();
    await this.process.stop();
  }

  // -- streams ----------------------------------------------------------------------------------

  private onConversation(text: string): void {
    const data = JSON.parse(text) as { action?: string; actionConversationId?: string; message?: WsMessage };
    const m = data.message;
    if (!m || !data.actionConversationId) return;
    const from = m.from.id === this.tenant.bot.id ? 'bot' : 'user';
    const attachments = m.attachments ?? [];
    const version: MessageVersion = { source: 'created', at: Date.now(), text: m.text, attachments };
    const existing = this.messages.get(m.messageId);
    if (data.action === 'createMessage' || !existing) {
      this.messages.set(m.messageId, {
        id: m.messageId,
        conversationId: data.actionConversationId,
        from,
        timestamp: m.timestamp,
        text: m.text,
        attachments,
        cards: cardsOf(attachments),
        versions: [version],
        activity: this.botActivities.get(m.messageId),
      });
    } else if (data.action === 'updateMessage') {
      this.applyVersion(existing, { ...version, source: 'updated' });
    }
  }

  applyVersion(message: ChatMessage, version: MessageVersion): void {
    message.versions.push(version);
    message.text = version.text;
    message.attachments = version.attachments;
    message.cards = cardsOf(version.attachments);
  }

  private onLog(text: string): void {
    const item = (JSON.parse(text) as { log?: LogItem }).log;
    if (!item) return;
    if (item.type === 'text') {
      if (item.level === 'Warning' || item.level === 'Error') this.warnings.push(item.displayText ?? '');
      return;
    }
    if (item.type !== 'bot') return;
    const body = (item.request?.body ?? {}) as Record<string, unknown>;
    if (item.from === PLAYGROUND_LABEL && item.to === BOT_LABEL) {
      this.deliveries.push({
        type: String(body.type ?? item.activityName),
        activity: body,
        status: item.response?.statusCode ?? 0,
        body: item.response?.body,
        at: item.timestamp ?? Date.now(),
      });
    } else if (item.from === BOT_LABEL) {
      // A connector call from the bot; its answer names the message it created or updated.
      const answer = item.response?.body as { id?: unknown } | undefined;
      if (answer && typeof answer.id === 'string') {
        this.botActivities.set(answer.id, body);
        const message = this.messages.get(answer.id);
        if (message) message.activity = body;
      }
    }
  }

  // -- waiting on deliveries --------------------------------------------------------------------

  /** Waits for the next not yet claimed delivery that matches, and claims it. */
  async delivery(match: (d: Delivery) => boolean, what: string, timeoutMs = 15_000): Promise<Delivery> {
    let found: Delivery | undefined;
    await waitUntil(
      () => {
        found = this.deliveries.find((d) => !this.claimed.has(d) && match(d));
        return found !== undefined;
      },
      timeoutMs,
      () =>
        `${this.user.key}: the Playground did not deliver ${what} to the bot within ${timeoutMs} ms` +
        (this.warnings.length ? `; Playground warnings: ${this.warnings.join(' | ')}` : ''),
    );
    const d = found as Delivery;
    this.claimed.add(d);
    if (d.status < 200 || d.status >= 300)
      throw new Error(
        `${this.user.key}: the bot answered ${what} with HTTP ${d.status}: ${JSON.stringify(d.body)}`,
      );
    return d;
  }
}

// ---------------------------------------------------------------------------------------------
// The client tests use
