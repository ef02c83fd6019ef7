/**
 * The chat commands Signoff understands: one table, read by the bot's parser (bot/commands.ts),
 * by the cards that explain them (help, empty lists) and by the Teams manifest build
 * (`manifest/command-lists.ts`), so the command menu Teams shows can never offer a command the bot
 * does not handle.
 */

export const CHAT_SCOPES = ['personal', 'team', 'groupChat'] as const;
/** Where a command can be used: a 1:1 chat with the bot, a team channel, or a group chat. */
export type ChatScope = (typeof CHAT_SCOPES)[number];

/**
 * How an argument is read from the message.
 * - `amount`: a positive number, `2500`, `2,500` or `2500.50`; parsed to a number.
 * - `currency`: an ISO 4217 code from {@link SUPPORTED_CURRENCIES}; upper-cased.
 * - `requestId`: one token of letters, digits, `-` or `_`; a leading `#` is dropped.
 * - `text`: everything that is left; must come last.
 */
export type ArgumentKind = 'amount' | 'currency' | 'requestId' | 'text';

export interface ArgumentSpec {
  readonly name: string;
  readonly kind: ArgumentKind;
  /** An optional argument is skipped when the next word is not of its kind. */
  readonly optional?: boolean;
}

export interface CommandDefinition {
  /** The words that start the command, lower case, single spaces: also the manifest command title. */
  readonly keyword: string;
  /** How to type it, shown in help and in the Teams command menu. */
  readonly usage: string;
  /** One line, what it does. */
  readonly description: string;
  readonly scopes: readonly ChatScope[];
  readonly args: readonly ArgumentSpec[];
}

/**
 * Currencies a loan may be requested in. A closed list on purpose: an open "any three letters"
 * rule would read the first word of a purpose such as "car repair" as a currency.
 */
export const SUPPORTED_CURRENCIES = [
  'AUD',
  'BRL',
  'CAD',
  'CHF',
  'CNY',
  'CZK',
  'DKK',
  'EUR',
  'GBP',
  'HKD',
  'INR',
  'JPY',
  'MXN',
  'NOK',
  'NZD',
  'PLN',
  'SEK',
  'SGD',
  'USD',
  'ZAR',
] as const;

/** Longest free text (a title or a purpose) a command accepts. */
export const MAX_TEXT_LENGTH = 500;

/** The single source of truth for chat commands. Order is the order of help and the Teams menu. */
export const COMMANDS = {
  help: {
    keyword: 'help',
    usage: 'help',
    description: 'Show what Signoff can do',
    scopes: CHAT_SCOPES,
    args: [],
  },
  requestLoan: {
    keyword: 'request loan',
    usage: 'request loan <amount> [currency] <purpose>',
    description: 'Ask for a loan to be approved',
    scopes: CHAT_SCOPES,
    args: [
      { name: 'amount', kind: 'amount' },
      { name: 'currency', kind: 'currency', optional: true },
      { name: 'purpose', kind: 'text' },
    ],
  },
  request: {
    keyword: 'request',
    usage: 'request <title>',
    description: 'Ask for anything else to be approved',
    scopes: CHAT_SCOPES,
    args: [{ name: 'title', kind: 'text' }],
  },
  status: {
    keyword: 'status',
    usage: 'status <id>',
    description: 'Show where a request stands and who still has to decide',
    scopes: CHAT_SCOPES,
    args: [{ name: 'requestId', kind: 'requestId' }],
  },
  myRequests: {
    keyword: 'my requests',
    usage: 'my requests',
    description: 'List the requests you have made',
    scopes: ['personal'],
    args: [],
  },
  pending: {
    keyword: 'pending',
    usage: 'pending',
    description: 'List the requests waiting for your decision',
    scopes: ['personal'],
    args: [],
  },
  cancel: {
    keyword: 'cancel',
    usage: 'cancel <id>',
    description: 'Withdraw a request you made that is still open',
    scopes: CHAT_SCOPES,
    args: [{ name: 'requestId', kind: 'requestId' }],
  },
} as const satisfies Record<string, CommandDefinition>;

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** The command whose keyword is exactly `keyword` (any case, any spacing), if there is one. */
export function findCommandByKeyword(keyword: string): CommandName | undefined {
  const wanted = keyword.split(/\s+/).filter(Boolean).join(' ').toLowerCase();
  return COMMAND_NAMES.find((name) => COMMANDS[name].keyword === wanted);
}

export function isChatScope(value: unknown): value is ChatScope {
  return (CHAT_SCOPES as readonly unknown[]).includes(value);
}

/** The commands offered in a scope, in table order. */
export function commandsInScope(scope: ChatScope): CommandName[] {
  return COMMAND_NAMES.filter((name) => (COMMANDS[name].scopes as readonly ChatScope[]).includes(scope));
}
