/**
 * App settings in binding properties: `%Name%` is replaced by the setting `Name` (an environment
 * variable, local.settings.json `Values` included), once, when the functions are indexed. A name
 * without a value stops start-up, as it stops indexing in Azure.
 */

export type Settings = Record<string, string | undefined>;

const SETTING = /%([^%]*)%/g;

/** The text with every `%Name%` resolved; throws naming the first that does not resolve. */
export function resolveSettings(text: string, settings: Settings): string {
  return text.replace(SETTING, (whole, name: string) => {
    const value = lookup(settings, name);
    if (value === undefined) throw new UnresolvedSettingError(whole);
    return value;
  });
}

export class UnresolvedSettingError extends Error {
  constructor(readonly expression: string) {
    super(
      `'${expression}' does not resolve to a value (no app setting or environment variable named ${expression.slice(1, -1)})`,
    );
  }
}

/**
 * A setting's value. As in Azure, a name with `:` also finds the `__` form of an environment
 * variable (`Storage:accountName` is `Storage__accountName`).
 */
export function lookup(settings: Settings, name: string): string | undefined {
  return settings[name] ?? (name.includes(':') ? settings[name.replaceAll(':', '__')] : undefined);
}
