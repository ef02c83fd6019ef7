/**
 * A stand-in for the Teams connector service (the Bot Connector REST API a bot calls back on,
 * at the activity's `serviceUrl`), which cannot exist here. It speaks just enough of the protocol
 * for the bot to send, reply, update and look up members, and records every call so tests can
 * assert on what the bot sent:
 *
 *   POST /v3/conversations/{id}/activities                 send          → { id }
 *   POST /v3/conversations/{id}/activities/{replyToId}     reply         → { id }
 *   PUT  /v3/conversations/{id}/activities/{activityId}    update        → { id }
 *   GET  /v3/conversations/{id}/members/{userId}           roster lookup → TeamsChannelAccount
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  conversationId: string;
  /** The activity id in the path: replyToId for a reply, the updated activity for a PUT. */
  activityId?: string;
  body: Record<string, unknown> & {
    type?: string;
    text?: string;
    attachments?: Array<{ contentType: string; content: Record<string, unknown> }>;
  };
  /** The id this stand-in gave a sent activity. */
  assignedId?: string;
}

/**
 * What a person reads first in a sent message: its text, or the note the bot puts at the top of
 * a card (reminders, escalations, outcomes are cards with a note, so they stay one message).
 */
export function noteOf(call: ConnectorCall): string | undefined {
  if (call.body.text) return call.body.text;
  const body = call.body.attachments?.[0]?.content.body as Array<Record<string, unknown>> | undefined;
  const first = body?.[0];
  if (first?.type !== 'RichTextBlock') return undefined;
  const inlines = first.inlines as Array<{ text?: string }> | undefined;
  return inlines?.map((i) => i.text ?? '').join('');
}

export interface Member {
  id: string;
  name: string;
  aadObjectId: string;
  email?: string;
  userPrincipalName?: string;
}

export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  readonly members = new Map<string, Member>();
  /** Conversations whose sends fail with 403, as Teams answers when the app was removed. */
  readonly forbidden = new Set<string>();
  /**
   * Called with each recorded call as it arrives (before it is answered), for drivers that wait
   * on calls instead of polling `calls` (the signoff-loan benchmark).
   */
  onCall: ((call: ConnectorCall) => void) | undefined;
  /** Keep every call in `calls` (default); a long benchmark turns it off and listens instead. */
  record = true;
  private server: http.Server | undefined;
  private next = 0;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Calls to one conversation, optionally of one method. */
  to(conversationId: string, method?: string): ConnectorCall[] {
    return this.calls.filter((c) => c.conversationId === conversationId && (!method || c.method === method));
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): undefined {
    const url = new URL(req.url ?? '/', 'http://connector');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const send = (status: number, body: unknown): undefined => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (parts[0] !== 'v3' || parts[1] !== 'conversations' || !parts[2])
      return send(404, { error: 'not found' });
    const conversationId = parts[2];
    if (req.method === 'GET' && parts[3] === 'members' && parts[4]) {
      const member = this.members.get(parts[4]);
      return member
        ? send(200, member)
        : send(404, { error: { code: 'MemberNotFound', message: 'no such member' } });
    }
    if (parts[3] !== 'activities') return send(404, { error: 'not found' });
    const body = (text ? JSON.parse(text) : {}) as ConnectorCall['body'];
    const call: ConnectorCall = { method: req.method ?? '', conversationId, activityId: parts[4], body };
    if (this.record) this.calls.push(call);
    if (this.forbidden.has(conversationId)) {
      return send(403, {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      });
    }
    if (req.method !== 'PUT') call.assignedId = `activity-${++this.next}`;
    this.onCall?.(call);
    if (req.method === 'PUT') return send(200, { id: parts[4] });
    return send(200, { id: call.assignedId });
  }
}
