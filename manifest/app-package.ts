import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import JSZip from 'jszip';
import { isChatScope } from '../domain/commands';
import { commandListsFromTable } from './command-lists';
import {
  type ConfigField,
  type ConfigSources,
  ENV_NAMES,
  EXAMPLE_CONFIG_FILE,
  type ManifestConfig,
  readConfigFile,
  resolveManifestConfig,
} from './config';
import { ManifestTemplateError, ManifestValidationError } from './errors';
import { fillPlaceholders, type PlaceholderValue } from './placeholders';
import { validateAppPackage } from './validate';

const REPO_ROOT = resolve(__dirname, '..');

export interface BuildOptions {
  /** Where the zip goes; created if missing. The CLI uses `appPackage/`. */
  readonly outDir: string;
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A JSON config file. When not given, `SIGNOFF_MANIFEST_CONFIG` or else `manifest/config.json`
   * is read if it exists; `false` reads no file (tests use it to stay independent of local files).
   */
  readonly configFile?: string | false;
  /**
   * Refuse local-development defaults (see `DEV_DEFAULTS`) and values of the example config, and
   * name the zip `signoff-<version>.zip`; a development build is `signoff-<version>-dev.zip`.
   */
  readonly release?: boolean;
  /** The example config whose values a release refuses. Defaults to `manifest/config.example.json`. */
  readonly exampleConfigFile?: string;
  /** Directory holding `manifest.json` (the template) and the icons it names. Defaults to `manifest/`. */
  readonly sourceDir?: string;
  /** The app version comes from here. Defaults to the repository's package.json. */
  readonly packageJsonPath?: string;
}

export interface BuiltPackage {
  readonly zipPath: string;
  readonly manifest: Record<string, unknown>;
  /** Config fields that fell back to local-development defaults. */
  readonly defaultsUsed: readonly ConfigField[];
}

/**
 * Builds `signoff-<version>.zip` (a release) or `signoff-<version>-dev.zip` holding `manifest.json` and the two icons, after validating
 * everything. Throws ManifestConfigError, ManifestTemplateError or ManifestValidationError (with
 * the full list of issues) and writes nothing when the package would be bad.
 */
export async function buildAppPackage(options: BuildOptions): Promise<BuiltPackage> {
  const env = options.env ?? process.env;
  const sourceDir = options.sourceDir ?? __dirname;
  const version = readAppVersion(options.packageJsonPath ?? join(REPO_ROOT, 'package.json'));
  const configPath = options.configFile ?? env.SIGNOFF_MANIFEST_CONFIG;
  const sources: ConfigSources = {
    env,
    file:
      configPath === false
        ? undefined
        : readConfigFile(configPath ?? join(__dirname, 'config.json'), configPath !== undefined),
    release: options.release ?? false,
    ...(options.release
      ? { example: readConfigFile(options.exampleConfigFile ?? join(REPO_ROOT, EXAMPLE_CONFIG_FILE), false) }
      : {}),
  };
  const { config, defaultsUsed } = resolveManifestConfig(sources);

  const manifest = renderManifest(readJson(join(sourceDir, 'manifest.json')), config, version);
  const files = new Map<string, Buffer>();
  for (const icon of Object.values(asRecord(manifest.icons))) {
    if (typeof icon !== 'string') continue;
    try {
      files.set(icon, readFileSync(join(sourceDir, icon)));
    } catch {
      // Left out of `files`: validation reports it as missing from the package.
    }
  }

  const issues = await validateAppPackage({ manifest, files });
  if (issues.length > 0) throw new ManifestValidationError(issues);

  const zip = new JSZip();
  // A fixed date makes the zip depend only on its contents.
  const date = new Date('2000-01-01T00:00:00Z');
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date });
  for (const [name, bytes] of files) zip.file(name, bytes, { date });
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });

  mkdirSync(options.outDir, { recursive: true });
  const zipPath = join(options.outDir, `signoff-${version}${options.release ? '' : '-dev'}.zip`);
  writeFileSync(zipPath, bytes);
  return { zipPath, manifest, defaultsUsed };
}

/**
 * Fills the template's `{{NAME}}` placeholders (names as in {@link ENV_NAMES}, plus APP_VERSION)
 * and sets the bot's command lists from the bot's command table.
 */
export function renderManifest(
  template: unknown,
  config: ManifestConfig,
  version: string,
): Record<string, unknown> {
  const values: Record<string, PlaceholderValue> = { APP_VERSION: version };
  for (const [field, envName] of Object.entries(ENV_NAMES)) values[envName] = config[field as ConfigField];
  const manifest = asRecord(fillPlaceholders(template, values));
  const bot: unknown = Array.isArray(manifest.bots) ? manifest.bots[0] : undefined;
  if (isRecord(bot)) {
    // Overwrites any lists in the template: the bot's command table is the only source.
    bot.commandLists = commandListsFromTable(
      Array.isArray(bot.scopes) ? bot.scopes.filter(isChatScope) : undefined,
    );
  }
  return manifest;
}

function readAppVersion(packageJsonPath: string): string {
  const { version } = asRecord(readJson(packageJsonPath));
  if (typeof version !== 'string') throw new ManifestTemplateError(packageJsonPath, 'has no "version"');
  return version;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ManifestTemplateError(path, 'cannot be read');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ManifestTemplateError(path, `is not valid JSON (${(error as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
