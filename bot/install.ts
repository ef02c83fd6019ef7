/**
 * Install and uninstall, in personal chats, teams and group chats. Teams announces an install
 * with `installationUpdate` (action "add") and with a `conversationUpdate` whose membersAdded
 * holds the bot; either stores the conversation reference, and whichever arrives first greets
 * with the help card. Uninstall ("remove", or the bot in membersRemoved) forgets the reference.
 */
import { MessageFactory, type TurnContext } from 'botbuilder';
import { cardAttachment, helpCard } from '../cards';
import { scopeOf } from './conversations';
import { services } from './turn';

export async function onInstallationUpdate(context: TurnContext): Promise<void> {
  const action = context.activity.action ?? '';
  // "add-upgrade" and "remove-upgrade" come with app updates: the app stays installed.
  if (action === 'add' || action === 'add-upgrade') await installed(context, action === 'add');
  else if (action === 'remove') await uninstalled(context);
}

export async function onConversationUpdate(context: TurnContext): Promise<void> {
  const botId = context.activity.recipient?.id;
  const added = context.activity.membersAdded ?? [];
  const removed = context.activity.membersRemoved ?? [];
  if (added.some((m) => m.id === botId)) await installed(context, true);
  if (removed.some((m) => m.id === botId)) await uninstalled(context);
}

async function installed(context: TurnContext, greet: boolean): Promise<void> {
  const scope = scopeOf(context.activity);
  const { conversations, log } = services(context);
  const { created, stored } = await conversations.save(context.activity);
  log.info('installed', { scope, conversationId: context.activity.conversation?.id, created, stored });
  if (!stored) {
    log.warn('install without a user id or conversation id: nothing stored', { scope });
  }
  if (greet && (created || !stored))
    await context.sendActivity(MessageFactory.attachment(cardAttachment(helpCard(undefined, scope))));
}

async function uninstalled(context: TurnContext): Promise<void> {
  const { conversations, log } = services(context);
  await conversations.remove(context.activity);
  log.info('uninstalled', {
    scope: scopeOf(context.activity),
    conversationId: context.activity.conversation?.id,
  });
}
