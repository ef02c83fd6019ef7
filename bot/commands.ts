/**
 * Reading chat commands: `parseCommand` turns the text of a Teams message into a typed command
 * from the table (domain/commands.ts) or a typed reason why it is not one. Pure: no I/O, no bot
 * framework types.
 */
import {
  type ArgumentKind,
  type ArgumentSpec,
  type ChatScope,
  COMMAND_NAMES,
  COMMANDS,
  type CommandDefinition,
  type CommandName,
  commandsInScope,
  MAX_TEXT_LENGTH,
  SUPPORTED_CURRENCIES,
} from '../domain/commands';

type ValueOf<K extends ArgumentKind> = K extends 'amount' ? number : string;
type ArgsOf<A extends readonly ArgumentSpec[]> = {
  [S in A[number] as S['name']]: S extends { readonly optional: true }
    ? ValueOf<S['kind']> | undefined
    : ValueOf<S['kind']>;
};

/** A recognised command with its arguments, typed from the table: `{ name: 'status', args: { requestId } }`. */
export type ParsedCommand = {
  [N in CommandName]: { readonly name: N; readonly args: ArgsOf<(typeof COMMANDS)[N]['args']> };
}[CommandName];

/** Why a message is not a command, so the bot can answer each case in its own words. */
export type ParseFailure =
  | { readonly ok: false; readonly reason: 'empty' }
  | {
      readonly ok: false;
      readonly reason: 'unknownCommand';
      readonly input: string;
      /** The closest command by edit distance, when one is close enough to be a likely typo. */
      readonly suggestion: CommandName | undefined;
    }
  | {
      readonly ok: false;
      readonly reason: 'invalidArguments';
      readonly command: CommandName;
      /** A sentence naming the argument as a person would, e.g. `The amount "ten" is not a number...`. */
      readonly message: string;
      readonly usage: string;
    }
  | {
      readonly ok: false;
      readonly reason: 'notAvailableHere';
      readonly command: CommandName;
      readonly scope: ChatScope;
    };

export type ParseResult = { readonly ok: true; readonly command: ParsedCommand } | ParseFailure;

export interface ParseOptions {
  /** Where the message was sent; commands not offered there are refused with `notAvailableHere`. */
  readonly scope?: ChatScope;
}

/** Commands tried longest keyword first, so `request loan ...` is not read as `request <title>`. */
const MATCH_ORDER = [...COMMAND_NAMES].sort(
  (a, b) => wordCount(COMMANDS[b].keyword) - wordCount(COMMANDS[a].keyword),
);

/** Parses the text of a chat message (as Teams delivers it) into a command. */
export function parseCommand(text: string, options: ParseOptions = {}): ParseResult {
  const words = normalizeWords(decodeEntities(stripLeadingMentions(text)));
  if (words.length === 0) return { ok: false, reason: 'empty' };
  const lower = words.map((word) => word.toLowerCase());

  for (const name of MATCH_ORDER) {
    const keywordWords = COMMANDS[name].keyword.split(' ');
    if (!keywordWords.every((word, i) => lower[i] === word)) continue;
    if (options.scope !== undefined && !commandsInScope(options.scope).includes(name)) {
      return { ok: false, reason: 'notAvailableHere', command: name, scope: options.scope };
    }
    return bindArguments(name, words.slice(keywordWords.length));
  }
  return { ok: false, reason: 'unknownCommand', input: words.join(' '), suggestion: closestCommand(lower) };
}

/** Help text listing the commands offered in a scope (all commands when no scope is given). */
export function helpText(scope?: ChatScope): string {
  const names = scope === undefined ? COMMAND_NAMES : commandsInScope(scope);
  return names.map((name) => `${COMMANDS[name].usage}: ${COMMANDS[name].description}`).join('\n');
}

/** What an argument is called in a message, in place of its name in the table (`requestId`). */
const ARGUMENT_NOUNS: Record<string, string> = {
  amount: 'the amount',
  currency: 'the currency',
  purpose: 'the purpose',
  title: 'the title',
  requestId: 'the request id',
};

function nounOf(spec: ArgumentSpec): string {
  const noun = ARGUMENT_NOUNS[spec.name] ?? spec.name;
  return noun.charAt(0).toUpperCase() + noun.slice(1);
}

function bindArguments(name: CommandName, words: readonly string[]): ParseResult {
  const { args: specs, usage } = COMMANDS[name] as CommandDefinition;
  const args: Record<string, number | string | undefined> = {};
  const fail = (message: string): ParseResult => ({
    ok: false,
    reason: 'invalidArguments',
    command: name,
    message,
    usage,
  });
  let next = 0;

  for (const spec of specs) {
    const word = words[next];
    if (spec.kind === 'text') {
      const text = words.slice(next).join(' ');
      if (text === '') return fail(`${nounOf(spec)} is missing`);
      if (text.length > MAX_TEXT_LENGTH) {
        return fail(`${nounOf(spec)} is ${text.length} characters long; the limit is ${MAX_TEXT_LENGTH}`);
      }
      args[spec.name] = text;
      next = words.length;
      continue;
    }
    if (word === undefined) {
      if (spec.optional) continue;
      return fail(`${nounOf(spec)} is missing`);
    }
    const value = readValue(spec.kind, word);
    if (typeof value === 'object') {
      if (spec.optional) continue;
      return fail(`${nounOf(spec)} "${word}" ${value.problem}`);
    }
    args[spec.name] = value;
    next += 1;
  }

  const extra = words.slice(next).join(' ');
  if (extra !== '') return fail(`"${extra}" is more than "${COMMANDS[name].keyword}" takes`);
  // The table entry for `name` defines exactly the keys just filled in, which is what ParsedCommand says.
  return { ok: true, command: { name, args } as unknown as ParsedCommand };
}

type Problem = { readonly problem: string };

function readValue(kind: Exclude<ArgumentKind, 'text'>, word: string): number | string | Problem {
  switch (kind) {
    case 'amount': {
      if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/.test(word)) {
        return { problem: 'is not a number; write it like 2500, 2,500 or 2500.50' };
      }
      const amount = Number(word.replaceAll(',', ''));
      return amount > 0 ? amount : { problem: 'must be more than zero' };
    }
    case 'currency': {
      const code = word.toUpperCase();
      return (SUPPORTED_CURRENCIES as readonly string[]).includes(code)
        ? code
        : { problem: `is not a supported currency (${SUPPORTED_CURRENCIES.join(', ')})` };
    }
    case 'requestId': {
      const id = word.startsWith('#') ? word.slice(1) : word;
      return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)
        ? id
        : { problem: 'is not a request id; ids look like loan-7k2m9qxd' };
    }
  }
}

/** Suggests the command whose keyword is closest to the start of the message, if it is close. */
function closestCommand(lowerWords: readonly string[]): CommandName | undefined {
  let best: { name: CommandName; distance: number } | undefined;
  for (const name of COMMAND_NAMES) {
    const keyword = COMMANDS[name].keyword;
    const head = lowerWords.slice(0, wordCount(keyword)).join(' ');
    // Also compare without spaces, so "myrequests" finds "my requests".
    const squashed = keyword.replaceAll(' ', '');
    const distance = Math.min(
      editDistance(head, keyword),
      editDistance(lowerWords.join('').slice(0, squashed.length), squashed),
    );
    const allowed = Math.max(1, Math.floor(keyword.length / 3));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two adjacent letters
 * (the optimal string alignment variant), so "stauts" is one edit from "status".
 */
export function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(previous, j) + 1, at(current, j - 1) + 1, at(previous, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(beforePrevious, j - 2) + 1);
      }
      current.push(value);
    }
    beforePrevious = previous;
    previous = current;
  }
  return at(previous, b.length);
}

function at(row: readonly number[], index: number): number {
  return row[index] ?? Number.POSITIVE_INFINITY;
}

/** Teams prefixes channel and group messages with the bot's mention: `<at>Signoff</at> status 12`. */
function stripLeadingMentions(text: string): string {
  return text.replace(/^(\s*<at>[^<]*<\/at>)+/i, '');
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;|\u00a0/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/gi, '&');
}

function normalizeWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

function wordCount(text: string): number {
  return text.split(' ').length;
}
