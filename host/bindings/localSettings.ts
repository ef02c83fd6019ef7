/**
 * local.settings.json, read the way `func start` (Azure Functions Core Tools) reads it: its
 * `Values` become environment variables of the host and the app, except those already set to a
 * non-empty value, which win (`func start` says it skips them). Like Core Tools' JSON reader, it
 * takes comments and trailing commas, and numbers and booleans as their text. An encrypted file
 * (`IsEncrypted: true`), or a value that is an object or a list, stops start-up naming it, where
 * Core Tools would quietly use none of the file. `ConnectionStrings` are for .NET frameworks, not
 * the app's environment, and `Host` (port, CORS) is the command line's business here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LocalSettingsError } from './errors';

export interface LocalSettingsResult {
  /** The file, if there is one. */
  file?: string;
  /** Names put into the environment. */
  applied: string[];
  /** Names left alone because the environment already had a value. */
  skipped: string[];
}

export function readLocalSettings(
  appDir: string,
): { file: string; values: Record<string, string> } | undefined {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(lenientJson(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new LocalSettingsError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new LocalSettingsError(`${file} must hold a JSON object with "Values"`);
  }
  const settings = json as { IsEncrypted?: unknown; Values?: unknown };
  if (settings.IsEncrypted === true) {
    throw new LocalSettingsError(
      `${file} is encrypted ("IsEncrypted": true), which only Core Tools on Windows can read: run \`func settings decrypt\`, or set the values in plain text with "IsEncrypted": false`,
    );
  }
  const values: Record<string, string> = {};
  const raw = settings.Values;
  if (raw === undefined || raw === null) return { file, values };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LocalSettingsError(`${file}: "Values" must be an object of setting names and values`);
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === null) continue;
    if (typeof value === 'string') values[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
    else {
      throw new LocalSettingsError(
        `${file}: "Values.${name}" is ${Array.isArray(value) ? 'a list' : 'an object'}; app settings are text`,
      );
    }
  }
  return { file, values };
}

/** Puts local.settings.json `Values` into `env` (the process environment by default). */
export function applyLocalSettings(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): LocalSettingsResult {
  const read = readLocalSettings(appDir);
  const result: LocalSettingsResult = { file: read?.file, applied: [], skipped: [] };
  for (const [name, value] of Object.entries(read?.values ?? {})) {
    if (env[name]) {
      result.skipped.push(name);
    } else {
      env[name] = value;
      result.applied.push(name);
    }
  }
  return result;
}

/**
 * JSON with `//` and block comments and trailing commas made plain JSON; strings are left
 * exactly as they are.
 */
function lenientJson(text: string): string {
  const withoutComments = scan(text, (t, i) => {
    if (t.startsWith('//', i))
      return { skip: t.indexOf('\n', i) < 0 ? t.length - i : t.indexOf('\n', i) - i };
    if (t.startsWith('/*', i))
      return { skip: t.indexOf('*/', i) < 0 ? t.length - i : t.indexOf('*/', i) + 2 - i };
    return undefined;
  });
  return scan(withoutComments, (t, i) =>
    t[i] === ',' && /^\s*[}\]]/.test(t.slice(i + 1)) ? { skip: 1 } : undefined,
  );
}

/** Copies `text`, strings untouched; elsewhere `drop` may say how many characters to leave out. */
function scan(text: string, drop: (text: string, i: number) => { skip: number } | undefined): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const dropped = drop(text, i);
    if (dropped) {
      i += dropped.skip;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}
