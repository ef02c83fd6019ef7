import type { TeamsManifestV1D30 } from '@microsoft/app-manifest';
import { CHAT_SCOPES, type ChatScope, COMMANDS, type CommandName, commandsInScope } from '../domain/commands';

export type CommandList = TeamsManifestV1D30.CommandList;

/**
 * Limits every Teams client honours. Recent schemas allow more (12 commands, 128-character
 * titles), but older clients cut the menu at these, so we build within them.
 */
export const COMMAND_LIST_LIMITS = { commands: 10, title: 32, description: 128 } as const;

/**
 * The manifest's `bots[0].commandLists`, derived from the bot's command table: one list per set of
 * scopes that offers the same commands (in practice: personal, and team + group chat).
 */
export function commandListsFromTable(scopes: readonly ChatScope[] = CHAT_SCOPES): CommandList[] {
  const lists: { scopes: ChatScope[]; names: CommandName[] }[] = [];
  for (const scope of scopes) {
    const names = commandsInScope(scope);
    const same = lists.find((list) => list.names.join() === names.join());
    if (same) same.scopes.push(scope);
    else lists.push({ scopes: [scope], names });
  }
  return lists.map((list) => ({
    scopes: list.scopes,
    commands: list.names.map((name) => ({
      title: COMMANDS[name].keyword,
      description: menuDescription(name),
    })),
  }));
}

/** What the Teams command menu shows beside the title: what it does, and how to type it. */
export function menuDescription(name: CommandName): string {
  const { description, usage, keyword } = COMMANDS[name];
  return usage === keyword ? description : `${description}: ${usage}`;
}
