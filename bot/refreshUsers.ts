/**
 * Teams matches a card's `refresh.userIds` against its own user ids (MRIs, "29:..."), while
 * approvals, and so the cards, name people by Entra object id. For everyone whose personal chat
 * the bot knows (conversations table), the object id is swapped for their Teams id; the others
 * keep the object id, which Teams ignores (they can still refresh by opening the card's request
 * from the "pending" list).
 */
import type { AdaptiveCardJson } from '../cards';
import { errorFields, type Log } from '../domain/log';
import type { PersonalLookup } from './conversations';

export async function teamsUserIds(
  card: AdaptiveCardJson,
  conversations: PersonalLookup,
  log: Log,
): Promise<AdaptiveCardJson> {
  const ids = card.refresh?.userIds;
  if (!card.refresh || !ids?.length) return card;
  const mapped = await Promise.all(
    ids.map(async (id) => {
      try {
        return (await conversations.personal(id))?.userMri ?? id;
      } catch (error) {
        log.warn('could not look up a Teams user id for card refresh', {
          userId: id,
          ...errorFields(error),
        });
        return id;
      }
    }),
  );
  return { ...card, refresh: { ...card.refresh, userIds: [...new Set(mapped)] } };
}
