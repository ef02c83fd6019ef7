/**
 * The help card, built from the chat command table (domain/commands.ts) so it lists exactly what
 * the bot understands, and the error card for a refused action or a command that went wrong.
 *
 * Usage strings such as `request loan <amount> [currency] <purpose>` go into TextRuns: Teams reads
 * a TextBlock's text as Markdown with HTML, where `<amount>` is a tag and disappears.
 */
import {
  type ChatScope,
  COMMAND_NAMES,
  COMMANDS,
  type CommandName,
  commandsInScope,
  findCommandByKeyword,
} from '../domain/commands';
import { type AdaptiveCardJson, compileTemplate } from './card';
import errorTemplate from './templates/error.json';
import helpTemplate from './templates/help.json';
import { fitOr, TEXT_LIMITS } from './text';

interface HelpView {
  suggestion: string;
  hasSuggestion: boolean;
  intro: string;
  commands: Array<{ usage: string; description: string }>;
  footer: string;
}

interface ErrorView {
  heading: string;
  message: string;
  hint: string;
}

const renderHelp = compileTemplate<HelpView>('help', helpTemplate);
const renderError = compileTemplate<ErrorView>('error', errorTemplate);

/**
 * Every command with its usage and description, in table order. `suggestion` puts "Did you mean
 * ...?" on top: a command name or keyword (as `parseCommand` suggests for a typo) shows that
 * command's usage; any other text is shown as it is. `scope` limits the list to the commands
 * offered where the message was sent.
 */
export function helpCard(suggestion?: string, scope?: ChatScope): AdaptiveCardJson {
  const names = scope ? commandsInScope(scope) : COMMAND_NAMES;
  const suggested = suggestion?.trim() ? suggestedUsage(suggestion) : '';
  return renderHelp({
    suggestion: suggested ? `Did you mean "${suggested}"?` : '',
    hasSuggestion: suggested !== '',
    intro: 'Ask for approvals and decide on them without leaving Teams. Type one of these:',
    commands: names.map((name) => ({ usage: COMMANDS[name].usage, description: COMMANDS[name].description })),
    footer: 'Approvers get a card for each request and decide on it with Approve or Reject.',
  });
}

/** A short card saying why something was refused, e.g. "Only the approvers of stage X can decide now". */
export function errorCard(message: string, heading = "That didn't work"): AdaptiveCardJson {
  return renderError({
    heading: fitOr(heading, TEXT_LIMITS.title, "That didn't work"),
    message: fitOr(message, TEXT_LIMITS.message, 'Something went wrong.', true),
    hint: `Type "${COMMANDS.help.usage}" to see what Signoff can do.`,
  });
}

function suggestedUsage(suggestion: string): string {
  const name = suggestion in COMMANDS ? (suggestion as CommandName) : findCommandByKeyword(suggestion);
  return name ? COMMANDS[name].usage : fitOr(suggestion, TEXT_LIMITS.suggestion, '');
}
