/**
 * The approval workflow's notifier for Teams: approval cards posted to each approver's personal
 * chat, reminders and escalations, every posted card kept up to date (the requester's own card
 * among them), and the requester told when a stage passes and how it ended. Proactive messages go
 * through `continueConversationAsync` with the stored conversation references (conversations.ts).
 *
 * Each posted card is a row in "cardmessages" (PartitionKey = request id, RowKey =
 * `${key}|${userId}`, with the conversation reference and the activity id), which makes posting
 * idempotent under activity retries (a row for the key means "already sent") and lets later
 * updates find every card. The bot adds rows for cards it sent in answer to someone (the
 * requester's card that replaced the request form, a card opened from a list: {@link
 * TeamsNotifier.track}), so those are kept up to date too. Short text notes to the requester
 * (a stage passed, the outcome) are rows of role `note`: sent once, never updated.
 *
 * An approver the bot cannot reach (the app is not installed for them, or Teams refused the
 * message) is logged and returned in `unreachable`, which the workflow puts in the request's
 * status and reports to the ops channel; the requester is not told (they cannot fix it).
 *
 * These methods throw only when table storage is down (bot/ports.ts, isStorageUnavailable): the
 * workflow then retries them with backoff, and the rows make the retry skip what was sent. Any
 * other failure is logged and reported as unreachable, and the request goes on.
 */
import type { Activity, CloudAdapter, TurnContext } from 'botbuilder';
import { type AdaptiveCardJson, cardAttachment } from '../cards';
import type { ApprovalStatus } from '../domain/decide';
import { errorFields, type Log } from '../domain/log';
import type { Delivery, Notifier } from '../domain/notifications';
import type { User } from '../domain/requests';
import {
  type ConversationStore,
  type PersonalLookup,
  type Reference,
  rememberedLookups,
} from './conversations';
import { isStorageUnavailable, type TableSource } from './ports';
import { requesterView, viewFor } from './views';

export const CARD_MESSAGES_TABLE = 'cardmessages';

/** Whose card a row is (each gets their own view of it), or a note that is never updated. */
export type Role = 'approver' | 'requester' | 'note';

/** The key of the requester's own card: the one that replaced the request form, or answered `request`. */
export const REQUESTER_CARD_KEY = 'requester-card';

interface CardMessageRow {
  partitionKey: string;
  rowKey: string;
  requestId: string;
  key: string;
  userId: string;
  role: Role;
  reference: string;
  activityId: string;
  text: string;
  postedAt: string;
}

const enc = (s: string) => encodeURIComponent(s);

export class TeamsNotifier implements Notifier {
  constructor(
    private readonly adapter: Pick<CloudAdapter, 'continueConversationAsync'>,
    /** The bot's app id ("" when running anonymously). */
    private readonly botAppId: string,
    private readonly conversations: ConversationStore,
    private readonly tables: TableSource,
  ) {}

  async requestApproval(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery> {
    const lookup = rememberedLookups(this.conversations);
    // A new stage: the cards of earlier stages now show where the request stands.
    await this.updatePosted(status, log, lookup, key);
    const delivery = await this.post(status, approvers, key, '', log, lookup);
    if (status.stage && status.stage.index > 0)
      await this.stagePassed(status, status.stage.index - 1, log, lookup);
    return delivery;
  }

  async remind(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery> {
    const deadline = status.stage ? ` by ${new Date(status.stage.deadline).toUTCString()}` : '';
    return this.post(
      status,
      approvers,
      key,
      `Reminder: "${status.title}" is waiting for your decision${deadline}.`,
      log,
      rememberedLookups(this.conversations),
    );
  }

  async escalate(status: ApprovalStatus, approvers: User[], key: string, log: Log): Promise<Delivery> {
    const lookup = rememberedLookups(this.conversations);
    await this.updatePosted(status, log, lookup, key);
    const stage = status.stage ? ` at stage "${status.stage.title}"` : '';
    return this.post(
      status,
      approvers,
      key,
      `Escalated to you: "${status.title}" got no decision${stage} in time.`,
      log,
      lookup,
    );
  }

  /** Updating is idempotent (the same card again), so the key needs no row of its own. */
  async updateCards(status: ApprovalStatus, _key: string, log: Log): Promise<void> {
    await this.updatePosted(status, log, rememberedLookups(this.conversations));
  }

  /**
   * The outcome for the requester: a short note when they have a card of their own (which the
   * update of every card has just turned into the outcome), else the outcome card with the note
   * on top (a request started over HTTP).
   */
  async notifyRequester(status: ApprovalStatus, key: string, log: Log): Promise<void> {
    const note = outcomeNote(status);
    const requester = status.requester;
    const lookup = rememberedLookups(this.conversations);
    // One read answers both: has the requester a card of their own, and was this sent already.
    const cardKey = `${REQUESTER_CARD_KEY}|${requester.id}`;
    const sentKey = `${key}|${requester.id}`;
    const present = await this.rowsPresent(status.id, [cardKey, sentKey]);
    const reached =
      present.has(enc(sentKey)) ||
      (await this.deliver(
        status,
        requester,
        key,
        present.has(enc(cardKey)) ? 'note' : 'requester',
        note,
        log,
        lookup,
        true,
      ));
    if (!reached)
      log.warn('requester not told the outcome: unreachable', {
        requestId: status.id,
        userId: requester.id,
      });
  }

  /** A line of text to one person about the request, sent once per key. */
  async note(status: ApprovalStatus, to: User, key: string, text: string, log: Log): Promise<boolean> {
    return this.sendNote(status, to, key, text, log, rememberedLookups(this.conversations));
  }

  /**
   * Notes a card the bot sent someone in answer to them (not through the workflow), so that it is
   * kept up to date as well: `role` says whose view it shows. The row for `key` is replaced: the
   * latest card of that key is the one updated.
   */
  async track(
    requestId: string,
    key: string,
    user: { id: string },
    role: Exclude<Role, 'note'>,
    reference: Reference,
    activityId: string,
  ): Promise<void> {
    const rows = await this.tables(CARD_MESSAGES_TABLE);
    const row: CardMessageRow = {
      partitionKey: enc(requestId),
      rowKey: enc(`${key}|${user.id}`),
      requestId,
      key,
      userId: user.id,
      role,
      reference: JSON.stringify(reference),
      activityId,
      text: '',
      postedAt: new Date().toISOString(),
    };
    await rows.upsertEntity(row, 'Replace');
  }

  /** "Your request ... passed stage 1 of 2 (Manager approval)...": once per stage, text only. */
  private async stagePassed(
    status: ApprovalStatus,
    passed: number,
    log: Log,
    lookup: PersonalLookup,
  ): Promise<void> {
    const reached = await this.sendNote(
      status,
      status.requester,
      `stage-passed-${passed}`,
      stagePassedNote(status, passed),
      log,
      lookup,
    );
    if (!reached)
      log.info('requester not told a stage passed: unreachable', {
        requestId: status.id,
        userId: status.requester.id,
      });
  }

  /** Which of these rows (unencoded `key|userId`) the request has, as encoded row keys: one query. */
  private async rowsPresent(requestId: string, rowKeys: string[]): Promise<Set<string>> {
    const rows = await this.tables(CARD_MESSAGES_TABLE);
    const quoted = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const either = rowKeys.map((k) => `RowKey eq ${quoted(enc(k))}`).join(' or ');
    const filter = `PartitionKey eq ${quoted(enc(requestId))} and (${either})`;
    const found = new Set<string>();
    for await (const row of rows.listEntities({ queryOptions: { filter, select: ['RowKey'] } }))
      found.add(String(row.rowKey));
    return found;
  }

  private async post(
    status: ApprovalStatus,
    users: User[],
    key: string,
    text: string,
    log: Log,
    lookup: PersonalLookup,
  ): Promise<Delivery> {
    const results = await Promise.all(
      users.map((user) => this.deliver(status, user, key, 'approver', text, log, lookup)),
    );
    return { unreachable: users.filter((_, i) => !results[i]) };
  }

  /** Sends one user a text note for `key` unless it was sent already; whether they were reached. */
  private sendNote(
    status: ApprovalStatus,
    user: User,
    key: string,
    text: string,
    log: Log,
    lookup: PersonalLookup,
  ): Promise<boolean> {
    return this.deliver(status, user, key, 'note', text, log, lookup);
  }

  /**
   * Sends one user their card (or, for role `note`, just the text) for `key` unless it was sent
   * already; whether they were reached.
   */
  private async deliver(
    status: ApprovalStatus,
    user: User,
    key: string,
    role: Role,
    text: string,
    log: Log,
    /** Personal chats as read during this notifier call (the same user is read once). */
    lookup: PersonalLookup,
    /** The caller has just read that no row for `key` exists: not read again. */
    unsent = false,
  ): Promise<boolean> {
    const fields = { requestId: status.id, key, userId: user.id, role };
    try {
      const rows = await this.tables(CARD_MESSAGES_TABLE);
      const rowKey = enc(`${key}|${user.id}`);
      if (!unsent && (await rowExists(rows, enc(status.id), rowKey))) return true;
      const conversation = await lookup.personal(user.id);
      if (!conversation) {
        log.warn('unreachable: Signoff is not installed for this user', fields);
        return false;
      }
      let activityId: string;
      try {
        activityId =
          role === 'note'
            ? await this.sendText(conversation.reference, text)
            : await this.send(
                conversation.reference,
                text,
                role === 'requester' ? requesterView(status) : await viewFor(status, user.id, lookup, log),
              );
      } catch (error) {
        log.warn('unreachable: Teams did not take the message', { ...fields, ...errorFields(error) });
        return false;
      }
      const row: CardMessageRow = {
        partitionKey: enc(status.id),
        rowKey,
        requestId: status.id,
        key,
        userId: user.id,
        role,
        reference: JSON.stringify(conversation.reference),
        activityId,
        text,
        postedAt: new Date().toISOString(),
      };
      try {
        await rows.upsertEntity(row, 'Replace');
      } catch (error) {
        // Sent but not noted: a retry of this activity would send it again, and updates will miss it.
        log.error('card sent but not recorded', { ...fields, activityId, ...errorFields(error) });
      }
      log.info('card posted', { ...fields, activityId });
      return true;
    } catch (error) {
      // Storage down: fail, so that the workflow retries the notification when it is back.
      if (isStorageUnavailable(error)) throw error;
      log.error('unreachable: notification failed', { ...fields, ...errorFields(error) });
      return false;
    }
  }

  /** Brings every card posted for the request (except those just posted for `skipKey`) up to date. */
  private async updatePosted(
    status: ApprovalStatus,
    log: Log,
    lookup: PersonalLookup,
    skipKey?: string,
  ): Promise<void> {
    let posted: CardMessageRow[];
    try {
      const rows = await this.tables(CARD_MESSAGES_TABLE);
      posted = [];
      const filter = `PartitionKey eq '${enc(status.id).replace(/'/g, "''")}'`;
      for await (const row of rows.listEntities<CardMessageRow>({ queryOptions: { filter } }))
        posted.push(row);
    } catch (error) {
      if (isStorageUnavailable(error)) throw error;
      log.error('could not list the cards to update', { requestId: status.id, ...errorFields(error) });
      return;
    }
    await Promise.all(
      posted
        .filter((row) => row.key !== skipKey && row.activityId && row.role !== 'note')
        .map(async (row) => {
          try {
            const card =
              row.role === 'requester'
                ? requesterView(status)
                : await viewFor(status, row.userId, lookup, log);
            await this.update(JSON.parse(row.reference) as Reference, row.activityId, card);
          } catch (error) {
            log.warn('card not updated', {
              requestId: status.id,
              key: row.key,
              userId: row.userId,
              ...errorFields(error),
            });
          }
        }),
    );
  }

  private async send(reference: Reference, text: string, card: AdaptiveCardJson): Promise<string> {
    const sent = await this.inConversation(reference, (ctx) => ctx.sendActivity(message(text, card)));
    if (!sent?.id) throw new Error('the channel returned no message id');
    return sent.id;
  }

  private async sendText(reference: Reference, text: string): Promise<string> {
    const sent = await this.inConversation(reference, (ctx) =>
      ctx.sendActivity({ type: 'message', text, textFormat: 'plain' }),
    );
    if (!sent?.id) throw new Error('the channel returned no message id');
    return sent.id;
  }

  private async update(reference: Reference, activityId: string, card: AdaptiveCardJson): Promise<void> {
    await this.inConversation(reference, (ctx) =>
      ctx.updateActivity({ ...message('', card), id: activityId }),
    );
  }

  /**
   * Runs `fn` in a proactive turn and hands back its result or error. Errors are caught inside
   * the turn: the adapter's onTurnError would otherwise swallow them.
   */
  private async inConversation<T>(
    reference: Reference,
    fn: (context: TurnContext) => Promise<T>,
  ): Promise<T> {
    const outcome: { value?: T; error?: unknown; ran: boolean } = { ran: false };
    await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
      outcome.ran = true;
      try {
        outcome.value = await fn(context);
      } catch (error) {
        outcome.error = error ?? new Error('unknown error');
      }
    });
    if (outcome.error !== undefined) throw outcome.error;
    if (!outcome.ran) throw new Error('the proactive turn did not run');
    return outcome.value as T;
  }
}

/**
 * One message with one card and no activity text: Teams keeps text + card as one message, but
 * other clients (the Agents Playground among them) split it in two and give no id to update. The
 * note (a reminder, an escalation, the outcome) goes inside the card instead, as plain text runs
 * (never Markdown, since it quotes the request title); updates drop it, as the card then shows
 * the current state.
 */
function message(note: string, card: AdaptiveCardJson): Partial<Activity> {
  return { type: 'message', attachments: [cardAttachment(note ? withNote(card, note) : card)] };
}

function withNote(card: AdaptiveCardJson, note: string): AdaptiveCardJson {
  const banner = {
    type: 'RichTextBlock',
    inlines: [{ type: 'TextRun', text: note, weight: 'Bolder', color: 'Accent' }],
  };
  return { ...card, body: [banner, ...card.body] };
}

/** "Your request "T" is approved." and why, when a person closed it. */
export function outcomeNote(status: ApprovalStatus): string {
  const head = `Your request "${status.title}" is ${status.state.toLowerCase()}.`;
  return status.state === 'Approved' || !status.reason ? head : `${head} ${status.reason}.`;
}

/** What the requester reads when stage `passed` is complete and the request moves on. */
export function stagePassedNote(status: ApprovalStatus, passed: number): string {
  const stage = status.stage;
  const approvers = status.decisions
    .filter((d) => d.stage === passed && d.decision === 'approve')
    .map((d) => d.approver.name);
  const by = approvers.length > 0 ? `, approved by ${joinWords(approvers)}` : '';
  const count = stage?.count ?? passed + 2;
  const next = stage ? ` It now waits for ${stage.title} (stage ${stage.index + 1} of ${count}).` : '';
  return `Your request "${status.title}" passed stage ${passed + 1} of ${count}${by}.${next}`;
}

function joinWords(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

async function rowExists(
  rows: Awaited<ReturnType<TableSource>>,
  partitionKey: string,
  rowKey: string,
): Promise<boolean> {
  try {
    await rows.getEntity(partitionKey, rowKey, { queryOptions: { select: ['PartitionKey'] } });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}
