/**
 * Where the bot can reach people: the conversation references it keeps in the "conversations"
 * table (Azure Table storage via AzureWebJobsStorage) for proactive messages.
 *
 *   personal chat     PartitionKey = the user's Entra object id (aadObjectId), RowKey "personal"
 *   team / groupChat  PartitionKey "conversation", RowKey = the conversation id
 *
 * A row is written when the app is installed or the bot is added, refreshed on every personal
 * message, and deleted when the app is uninstalled or the bot removed.
 */
import type { Activity, ConversationReference } from 'botbuilder';
import { TurnContext } from 'botbuilder';
import type { ChatScope } from '../domain/commands';
import type { TableSource } from './ports';

export const CONVERSATIONS_TABLE = 'conversations';
const PERSONAL_ROW = 'personal';
const SHARED_PARTITION = 'conversation';

export type Reference = Partial<ConversationReference>;

export interface StoredConversation {
  scope: ChatScope;
  reference: Reference;
  /** The Teams user id (MRI, "29:...") of a personal chat's user, which card `refresh.userIds` need. */
  userMri?: string;
}

/** Table keys may not hold / \ # ? or control characters; ids from Teams can. */
const key = (id: string) => encodeURIComponent(id);

/** The scope of the conversation an activity comes from, as the manifest names scopes. */
export function scopeOf(activity: Pick<Activity, 'conversation'>): ChatScope {
  switch (activity.conversation?.conversationType) {
    case 'channel':
      return 'team';
    case 'groupChat':
      return 'groupChat';
    default:
      return 'personal';
  }
}

/** The user an activity comes from, by Entra object id (what approvals know users by). */
export function aadObjectIdOf(activity: Pick<Activity, 'from'>): string | undefined {
  return activity.from?.aadObjectId?.trim() || undefined;
}

/** The conversations table. */
/** What card rendering needs of the store: personal chats by user id. */
export type PersonalLookup = Pick<ConversationStore, 'personal'>;

/**
 * The store's personal lookups remembered for the duration of one piece of work (one notifier
 * call): the same user's reference is read once, however many cards name them. References change
 * only on install and uninstall; a call that started before one sees the state it started with.
 */
export function rememberedLookups(store: PersonalLookup): PersonalLookup {
  const seen = new Map<string, Promise<StoredConversation | undefined>>();
  return {
    personal(userId: string) {
      let found = seen.get(userId);
      if (!found) {
        found = store.personal(userId);
        seen.set(userId, found);
      }
      return found;
    },
  };
}

export class ConversationStore {
  constructor(private readonly tables: TableSource) {}

  /**
   * Stores the reference of the conversation `activity` belongs to. Personal chats are stored under
   * the user; shared ones under the conversation. Returns whether it was new (so a greeting is
   * sent once, although Teams announces an install with both installationUpdate and conversationUpdate).
   */
  async save(activity: Partial<Activity>): Promise<{ created: boolean; stored: boolean }> {
    const scope = scopeOf(activity as Activity);
    const reference = TurnContext.getConversationReference(activity);
    const conversationId = reference.conversation?.id;
    if (!conversationId) return { created: false, stored: false };
    let entity: { partitionKey: string; rowKey: string } & Record<string, string>;
    if (scope === 'personal') {
      const userId = aadObjectIdOf(activity as Activity);
      if (!userId) return { created: false, stored: false };
      entity = { partitionKey: key(userId), rowKey: PERSONAL_ROW, userMri: activity.from?.id ?? '' };
    } else {
      entity = { partitionKey: SHARED_PARTITION, rowKey: key(conversationId), userMri: '' };
    }
    const row = {
      ...entity,
      scope,
      conversationId,
      tenantId: reference.conversation?.tenantId ?? '',
      reference: JSON.stringify(reference),
      updatedAt: new Date().toISOString(),
    };
    const conversations = await this.tables(CONVERSATIONS_TABLE);
    try {
      await conversations.createEntity(row);
      return { created: true, stored: true };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      await conversations.upsertEntity(row, 'Replace');
      return { created: false, stored: true };
    }
  }

  /** Forgets the conversation `activity` belongs to (uninstall, bot removed). */
  async remove(activity: Partial<Activity>): Promise<void> {
    const scope = scopeOf(activity as Activity);
    const conversations = await this.tables(CONVERSATIONS_TABLE);
    let partitionKey: string;
    let rowKey: string;
    if (scope === 'personal') {
      const userId = aadObjectIdOf(activity as Activity);
      if (!userId) return;
      partitionKey = key(userId);
      rowKey = PERSONAL_ROW;
    } else {
      if (!activity.conversation?.id) return;
      partitionKey = SHARED_PARTITION;
      rowKey = key(activity.conversation.id);
    }
    try {
      await conversations.deleteEntity(partitionKey, rowKey);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  /** The personal chat with a user (by Entra object id), if the app is installed for them. */
  async personal(userId: string): Promise<StoredConversation | undefined> {
    const conversations = await this.tables(CONVERSATIONS_TABLE);
    try {
      const row = await conversations.getEntity<{ reference: string; userMri?: string }>(
        key(userId),
        PERSONAL_ROW,
      );
      return {
        scope: 'personal',
        reference: JSON.parse(row.reference) as Reference,
        ...(row.userMri ? { userMri: row.userMri } : {}),
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A team channel or group chat the bot was added to, by conversation id. */
  async shared(conversationId: string): Promise<StoredConversation | undefined> {
    const conversations = await this.tables(CONVERSATIONS_TABLE);
    try {
      const row = await conversations.getEntity<{ reference: string; scope: ChatScope }>(
        SHARED_PARTITION,
        key(conversationId),
      );
      return { scope: row.scope, reference: JSON.parse(row.reference) as Reference };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }
}
