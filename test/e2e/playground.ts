/**
 * Microsoft 365 Agents Playground, driven headless: the real `agentsplayground` CLI as child
 * processes on loopback, talking to the bot at `botEndpoint` like Teams would.
 *
 *   const pg = await startPlayground({ botEndpoint: `${host.url}/api/messages` });
 *   await pg.install('megan');                          // installationUpdate + conversationUpdate
 *   await pg.sendMessage('patti', 'request loan 2500 EUR van');
 *   const card = await pg.waitForActivity('megan', (m) => m.cards.length > 0);
 *   const res = await pg.clickAction('megan', card, 'approve');   // adaptiveCard/action invoke
 *   await pg.stop();
 *
 * One Playground per user. The Playground is a single-user client: whatever it sends to the bot
 * comes from its `currentUser`, and it streams only chats that user is in. So every mock user of
 * the committed `.m365agentsplayground.yml` gets a Playground of their own (started on first use),
 * configured from a copy of that file in which they are `currentUser`: the same tenant, bot and
 * users everywhere, as if each person had Teams open. Each instance's connector (its service URL)
 * receives what the bot sends into that user's chats, replies and proactive messages alike.
 *
 * What a user sees is read from the Playground's own streams: `/_ws_conversation/...` (messages
 * created and updated in the user's chats, as the web UI gets them) and `/_ws/log/stream` (every
 * activity the Playground delivered to the bot and the bot's answer; every connector call from the
 * bot). See test/e2e/README.md for the protocol.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADAPTIVE_CARD, findExecuteAction, inputValues } from './cards';
import type { ChatMessage, Delivery, InvokeResult, SentMessage, WaitOptions } from './chat';
import { describeChat, waitUntil } from './chat';
import { loadTenant, type MockTenant, type MockUser } from './tenant';
import { UserPlayground } from './userPlayground';

export * from './cards';
export * from './chat';
export * from './tenant';

export interface StartPlaygroundOptions {
  /** Where the Playground sends activities, e.g. `${host.url}/api/messages`. */
  botEndpoint: string;
  /** Playground config file with the mock tenant (default: the committed one). */
  configFile?: string;
  /** Users whose Playground starts now; anyone else's starts on first use. */
  users?: string[];
}

export interface Playground {
  readonly tenant: MockTenant;
  user(key: string): MockUser;
  /** The web UI of `user`'s Playground (starting it if needed). */
  url(user: string): Promise<string>;
  /** `user` installs the app in their personal chat: installationUpdate (add) and
   * conversationUpdate (membersAdded), as Teams sends them. Resolves when the bot has answered
   * both. */
  install(user: string): Promise<Delivery[]>;
  /** `user` types `text` in their personal chat. Resolves when the bot has answered the message
   * activity (its turn is over); the returned id is the Playground's id of the user's message. */
  sendMessage(user: string, text: string): Promise<SentMessage>;
  /** `user` clicks the Action.Execute with `verb` on a card: an `adaptiveCard/action` invoke.
   * `message` is a message of `user`'s chat: its id (the card as shown now) or a `ChatMessage`
   * (the card as it was then). `data` defaults to the action's own data; the card's input values
   * and then `inputs` are merged in, as a client does. Required inputs are not checked (a client
   * would not send the click): tests can send what a client would not. Resolves with the invoke
   * response. */
  clickAction(
    user: string,
    message: string | ChatMessage,
    verb: string,
    data?: Record<string, unknown>,
    inputs?: Record<string, unknown>,
  ): Promise<InvokeResult>;
  /** What `user` sees in their personal chat, oldest first (a snapshot). */
  conversation(user: string): Promise<ChatMessage[]>;
  /** Activities the Playground delivered to the bot on behalf of `user`. */
  deliveries(user: string): Promise<Delivery[]>;
  /** Polls `user`'s chat until a message satisfies `predicate` (bounded; default 15 s). */
  waitForActivity(
    user: string,
    predicate: (message: ChatMessage) => boolean,
    options?: WaitOptions,
  ): Promise<ChatMessage>;
  /** Output of `user`'s Playground process. */
  logs(user: string): string[];
  stop(): Promise<void>;
}

export async function startPlayground(options: StartPlaygroundOptions): Promise<Playground> {
  const tenant = loadTenant(options.configFile);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-playground-'));
  const instances = new Map<string, Promise<UserPlayground>>();
  const started: UserPlayground[] = [];

  const userOf = (key: string): MockUser => {
    const u = tenant.users.find((x) => x.key === key);
    if (!u)
      throw new Error(
        `unknown Playground user "${key}"; known: ${tenant.users.map((x) => x.key).join(', ')}`,
      );
    return u;
  };

  const instance = (key: string): Promise<UserPlayground> => {
    let p = instances.get(key);
    if (!p) {
      const pg = new UserPlayground(userOf(key), tenant, options.botEndpoint, dir);
      started.push(pg);
      p = pg.start().then(() => pg);
      instances.set(key, p);
    }
    return p;
  };

  const snapshot = (pg: UserPlayground): ChatMessage[] =>
    [...pg.messages.values()]
      .filter((m) => m.conversationId === pg.chatId)
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((m) => structuredClone(m));

  const playground: Playground = {
    tenant,
    user: userOf,
    url: async (user) => `${(await instance(user)).url}/`,

    async install(user) {
      const pg = await instance(user);
      const res = await fetch(`${pg.url}/_debug/conversation/${encodeURIComponent(pg.chatId)}/installation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (!res.ok) throw new Error(`${user}: installation answered ${res.status}: ${await res.text()}`);
      const inChat = (d: Delivery) =>
        (d.activity.conversation as { id?: string } | undefined)?.id === pg.chatId;
      return [
        await pg.delivery((d) => d.type === 'installationUpdate' && inChat(d), 'installationUpdate'),
        await pg.delivery((d) => d.type === 'conversationUpdate' && inChat(d), 'conversationUpdate'),
      ];
    },

    async sendMessage(user, text) {
      const pg = await instance(user);
      const sentAt = Date.now();
      const res = await fetch(
        `${pg.url}/_conversation/v1/conversations/${encodeURIComponent(pg.chatId)}/messages`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: { id: pg.user.id }, text, textFormat: 'plain' }),
        },
      );
      const body = (await res.json().catch(() => undefined)) as
        | { messageId?: string; timestamp?: number }
        | undefined;
      if (!res.ok || typeof body?.messageId !== 'string')
        throw new Error(`${user}: sending "${text}" answered ${res.status}: ${JSON.stringify(body)}`);
      // The Playground streams only what the bot sends; its web UI shows the user's own message
      // itself, and so does this view.
      const timestamp = body.timestamp ?? Date.now();
      pg.messages.set(body.messageId, {
        id: body.messageId,
        conversationId: pg.chatId,
        from: 'user',
        timestamp,
        text,
        attachments: [],
        cards: [],
        versions: [{ source: 'created', at: timestamp, text, attachments: [] }],
      });
      const delivery = await pg.delivery(
        (d) => d.type === 'message' && d.activity.text === text && d.at >= sentAt - 1_000,
        `the message "${text}"`,
      );
      return { messageId: body.messageId, timestamp, delivery };
    },

    async clickAction(user, message, verb, data, inputs) {
      const pg = await instance(user);
      const messageId = typeof message === 'string' ? message : message.id;
      const target = pg.messages.get(messageId);
      // The card as the caller saw it when given a message, else as the chat shows it now.
      const shown = typeof message === 'string' ? target?.cards : message.cards;
      const card = shown?.find((c) => findExecuteAction(c, verb) !== undefined);
      const action = card && findExecuteAction(card, verb);
      if (data === undefined && !action)
        throw new Error(
          `${user}: no Action.Execute with verb "${verb}" on message ${messageId} in their chat`,
        );
      // A client sends the action's data with the values of the card's inputs merged in.
      const actionData = {
        ...(data ?? (action?.data as Record<string, unknown> | undefined) ?? {}),
        ...(card && action?.associatedInputs !== 'none' ? inputValues(card) : {}),
        ...inputs,
      };
      const title = typeof action?.title === 'string' ? action.title : undefined;
      const res = await fetch(`${pg.url}/_conversation/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'adaptiveCard/action',
          value: {
            action: { type: 'Action.Execute', title, verb, data: actionData },
            trigger: 'manual',
          },
          from: { id: pg.user.id },
          conversation: { id: target?.conversationId ?? pg.chatId },
          replyToId: messageId,
        }),
      });
      const body = (await res.json().catch(() => undefined)) as
        | { type?: string; value?: unknown }
        | undefined;
      if (!res.ok) return { status: res.status, error: body };
      // The clicker's view of the card becomes the card the bot answered with, as in the web UI.
      if (target && body?.type === ADAPTIVE_CARD)
        pg.applyVersion(target, {
          source: 'invokeResponse',
          at: Date.now(),
          attachments: [{ contentType: ADAPTIVE_CARD, content: body.value }],
        });
      return { status: res.status, type: body?.type, value: body?.value };
    },

    async conversation(user) {
      return snapshot(await instance(user));
    },

    async deliveries(user) {
      return structuredClone((await instance(user)).deliveries);
    },

    async waitForActivity(user, predicate, waitOptions = {}) {
      const pg = await instance(user);
      const timeoutMs = waitOptions.timeoutMs ?? 15_000;
      let found: ChatMessage | undefined;
      await waitUntil(
        () => {
          found = snapshot(pg).find(predicate);
          return found !== undefined;
        },
        timeoutMs,
        () =>
          `${user}: no message ${waitOptions.description ?? 'matching the predicate'} within ${timeoutMs} ms; ` +
          `their chat: ${describeChat(snapshot(pg))}` +
          (pg.warnings.length ? `; Playground warnings: ${pg.warnings.join(' | ')}` : ''),
      );
      return found as ChatMessage;
    },

    logs(user) {
      return started.find((pg) => pg.user.key === user)?.process.logs ?? [];
    },

    async stop() {
      await Promise.allSettled([...instances.values()]);
      await Promise.all(started.map((pg) => pg.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all((options.users ?? []).map((u) => instance(u)));
  } catch (error) {
    await playground.stop();
    throw error;
  }
  return playground;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Everything a message shows: its text and its cards' text. */
