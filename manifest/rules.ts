import {
  type ChatScope,
  COMMANDS,
  commandsInScope,
  findCommandByKeyword,
  isChatScope,
} from '../domain/commands';
import { COMMAND_LIST_LIMITS } from './command-lists';
import type { ManifestIssue } from './errors';
import { APP_VERSION, DOMAIN, GUID } from './formats';
import { checkIcon, type IconKind } from './icon-checks';
import { findPlaceholders } from './placeholders';

/** A built package before zipping: the manifest and the files it refers to, by relative path. */
export interface AppPackageContents {
  readonly manifest: unknown;
  readonly files: ReadonlyMap<string, Buffer>;
}

/**
 * The checks the JSON schema cannot express: no placeholder left, GUIDs and versions in the form
 * Teams accepts, icon files of the right size and colours, and a command menu that matches the
 * bot's command table in both directions.
 */
export function checkPackageRules({ manifest, files }: AppPackageContents): ManifestIssue[] {
  const root = asObject(manifest) ?? {};
  return [
    ...findPlaceholders(manifest).map(
      ({ path, placeholder }): ManifestIssue => ({
        rule: 'placeholder',
        where: `manifest.json ${path}`,
        message: `unfilled placeholder ${placeholder}`,
      }),
    ),
    ...checkGuids(root),
    ...checkVersion(root),
    ...checkDomains(root),
    ...checkIcons(root, files),
    ...checkCommands(root),
  ];
}

type JsonObject = Record<string, unknown>;

function checkGuids(root: JsonObject): ManifestIssue[] {
  const fields: [string, unknown][] = [
    ['/id', root.id],
    ['/webApplicationInfo/id', asObject(root.webApplicationInfo)?.id],
    ...asArray(root.bots).map((bot, i): [string, unknown] => [`/bots/${i}/botId`, asObject(bot)?.botId]),
  ];
  return fields
    .filter(
      ([, value]) => typeof value === 'string' && !GUID.test(value) && findPlaceholders(value).length === 0,
    )
    .map(([path, value]) => ({
      rule: 'guid',
      where: `manifest.json ${path}`,
      message: `${JSON.stringify(value)} is not a GUID`,
    }));
}

function checkVersion(root: JsonObject): ManifestIssue[] {
  const { version } = root;
  if (typeof version !== 'string' || APP_VERSION.test(version) || findPlaceholders(version).length > 0)
    return [];
  return [
    {
      rule: 'version',
      where: 'manifest.json /version',
      message: `${JSON.stringify(version)} must be MAJOR.MINOR.PATCH, e.g. 1.4.0 (Teams refuses pre-release suffixes)`,
    },
  ];
}

function checkDomains(root: JsonObject): ManifestIssue[] {
  return asArray(root.validDomains).flatMap((domain, i): ManifestIssue[] =>
    typeof domain === 'string' && !DOMAIN.test(domain) && findPlaceholders(domain).length === 0
      ? [
          {
            rule: 'domain',
            where: `manifest.json /validDomains/${i}`,
            message: `${JSON.stringify(domain)} must be a host name without https:// or a path`,
          },
        ]
      : [],
  );
}

function checkIcons(root: JsonObject, files: ReadonlyMap<string, Buffer>): ManifestIssue[] {
  const icons = asObject(root.icons) ?? {};
  return (['color', 'outline'] as const satisfies readonly IconKind[]).flatMap((kind) => {
    const file = icons[kind];
    if (typeof file !== 'string') return []; // The schema reports a missing icon entry.
    const bytes = files.get(file);
    if (bytes === undefined) {
      return [
        {
          rule: 'icon',
          where: `manifest.json /icons/${kind}`,
          message: `file "${file}" is not in the package`,
        },
      ];
    }
    return checkIcon(kind, file, bytes);
  });
}

function checkCommands(root: JsonObject): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  asArray(root.bots).forEach((botValue, b) => {
    const bot = asObject(botValue) ?? {};
    const botScopes = asArray(bot.scopes).filter(isChatScope);
    const listed = new Map<ChatScope, Set<string>>();

    asArray(bot.commandLists).forEach((listValue, l) => {
      const list = asObject(listValue) ?? {};
      const listPath = `manifest.json /bots/${b}/commandLists/${l}`;
      const scopes = asArray(list.scopes).filter(isChatScope);
      const commands = asArray(list.commands);
      const issue = (where: string, message: string) => issues.push({ rule: 'command', where, message });
      if (commands.length > COMMAND_LIST_LIMITS.commands) {
        issue(
          `${listPath}/commands`,
          `has ${commands.length} commands; Teams shows at most ${COMMAND_LIST_LIMITS.commands}`,
        );
      }
      for (const scope of scopes) {
        if (!botScopes.includes(scope))
          issue(`${listPath}/scopes`, `lists scope "${scope}" that the bot does not have`);
      }
      const seen = new Set<string>();
      commands.forEach((commandValue, c) => {
        const command = asObject(commandValue) ?? {};
        const path = `${listPath}/commands/${c}`;
        const { title, description } = command;
        if (typeof title !== 'string') return; // The schema reports it.
        if (seen.has(title)) issue(`${path}/title`, `command "${title}" is listed twice`);
        seen.add(title);
        if (title.length > COMMAND_LIST_LIMITS.title) {
          issue(`${path}/title`, `command "${title}" is longer than ${COMMAND_LIST_LIMITS.title} characters`);
        }
        if (typeof description !== 'string' || description === '') {
          issue(`${path}/description`, `command "${title}" needs a description`);
        } else if (description.length > COMMAND_LIST_LIMITS.description) {
          issue(`${path}/description`, `is longer than ${COMMAND_LIST_LIMITS.description} characters`);
        }
        const name = findCommandByKeyword(title);
        if (name === undefined) {
          issue(
            `${path}/title`,
            `command "${title}" is not handled by the bot (bot/commands.ts has: ${Object.values(COMMANDS)
              .map((definition) => definition.keyword)
              .join(', ')})`,
          );
          return;
        }
        for (const scope of scopes) {
          listed.set(scope, (listed.get(scope) ?? new Set()).add(name));
          if (!commandsInScope(scope).includes(name)) {
            issue(
              `${path}/title`,
              `command "${title}" is offered in ${scope} but the bot does not handle it there`,
            );
          }
        }
      });
    });

    // The other direction: whatever the bot handles in a scope is in that scope's menu.
    for (const scope of botScopes) {
      const missing = commandsInScope(scope).filter((name) => !listed.get(scope)?.has(name));
      if (missing.length > 0) {
        issues.push({
          rule: 'command',
          where: `manifest.json /bots/${b}/commandLists`,
          message: `no ${scope} command list offers ${missing.map((name) => `"${COMMANDS[name].keyword}"`).join(', ')}, which the bot handles there`,
        });
      }
    }
  });
  return issues;
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
