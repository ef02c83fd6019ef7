import { existsSync, readFileSync } from 'node:fs';
import { ManifestConfigError, type ManifestIssue, ManifestTemplateError } from './errors';
import { DOMAIN, GUID } from './formats';

/** What varies between installs of Signoff; everything else in the manifest is fixed by the template. */
export interface ManifestConfig {
  /** The Teams app id: a GUID you create once per app, e.g. with `uuidgen`. */
  readonly appId: string;
  /** The Microsoft App ID of the Azure Bot resource. */
  readonly botId: string;
  readonly developerName: string;
  readonly developerWebsiteUrl: string;
  readonly developerPrivacyUrl: string;
  readonly developerTermsOfUseUrl: string;
  /** Host names (no scheme, no path) Teams may open from the app; may be empty for a bot-only app. */
  readonly validDomains: readonly string[];
}

export type ConfigField = keyof ManifestConfig;

/**
 * Local-development defaults, used for any field not configured so that a fresh clone builds a
 * package offline. The ids are valid GUIDs that start with zeros so that nobody mistakes them for
 * a real registration; a package built with them installs nowhere useful. `--release` refuses them.
 */
export const DEV_DEFAULTS: ManifestConfig = {
  appId: '00000000-0000-4000-8000-5160ff0a0001',
  botId: '00000000-0000-4000-8000-5160ff0b0001',
  developerName: 'Signoff (local dev)',
  developerWebsiteUrl: 'https://signoff.example.com',
  developerPrivacyUrl: 'https://signoff.example.com/privacy',
  developerTermsOfUseUrl: 'https://signoff.example.com/terms',
  validDomains: [],
};

/** The environment variable that sets each field. Placeholders in the template use the same names. */
export const ENV_NAMES: Readonly<Record<ConfigField, string>> = {
  appId: 'TEAMS_APP_ID',
  botId: 'BOT_ID',
  developerName: 'DEVELOPER_NAME',
  developerWebsiteUrl: 'DEVELOPER_WEBSITE_URL',
  developerPrivacyUrl: 'DEVELOPER_PRIVACY_URL',
  developerTermsOfUseUrl: 'DEVELOPER_TERMS_URL',
  validDomains: 'VALID_DOMAINS',
};

/** Fields a release build must have configured explicitly (an empty `validDomains` is a fine default). */
export const RELEASE_FIELDS: readonly ConfigField[] = [
  'appId',
  'botId',
  'developerName',
  'developerWebsiteUrl',
  'developerPrivacyUrl',
  'developerTermsOfUseUrl',
];

const FIELDS = Object.keys(ENV_NAMES) as ConfigField[];

export interface ConfigSources {
  /** Usually `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A parsed config file (see `manifest/config.example.json`) and its path, for messages. */
  readonly file?: { readonly path: string; readonly contents: unknown };
  /** Refuse local-development defaults for ids, developer name and URLs. */
  readonly release?: boolean;
  /**
   * The example config (`manifest/config.example.json`) and its path: a release build refuses any
   * value equal to one of its values, as a copy of the example left unchanged would name Contoso's
   * ids and URLs.
   */
  readonly example?: { readonly path: string; readonly contents: unknown };
}

export interface ResolvedConfig {
  readonly config: ManifestConfig;
  /** Fields that fell back to {@link DEV_DEFAULTS}. */
  readonly defaultsUsed: readonly ConfigField[];
}

/**
 * Merges environment (first), config file, then local-development defaults, and checks every
 * field. Throws {@link ManifestConfigError} listing each bad field by the name it was given under.
 */
export function resolveManifestConfig(sources: ConfigSources): ResolvedConfig {
  const issues: ManifestIssue[] = [];
  const fileValues = readFileValues(sources.file, issues);
  const merged: Record<string, unknown> = {};
  const defaultsUsed: ConfigField[] = [];

  for (const field of FIELDS) {
    const envName = ENV_NAMES[field];
    const fromEnv = sources.env[envName];
    let where: string;
    let value: unknown;
    if (fromEnv !== undefined) {
      where = `${envName} (environment)`;
      value = field === 'validDomains' ? fromEnv.split(/[\s,]+/).filter((d) => d !== '') : fromEnv.trim();
      if (fromEnv.trim() === '') {
        issues.push({ rule: 'config', where, message: 'is set but empty; unset it to use the default' });
        continue;
      }
    } else if (fileValues !== undefined && field in fileValues) {
      where = `${field} (${sources.file?.path})`;
      value = fileValues[field];
    } else {
      merged[field] = DEV_DEFAULTS[field];
      defaultsUsed.push(field);
      if (sources.release && RELEASE_FIELDS.includes(field)) {
        issues.push({
          rule: 'config',
          where: `${envName} / ${field}`,
          message: 'must be configured for a release build (set the environment variable or the config file)',
        });
      }
      continue;
    }
    const problem =
      checkField(field, value) ??
      (sources.release ? exampleProblem(field, value, sources.example) : undefined);
    if (problem === undefined) {
      merged[field] = value;
    } else {
      const rule = field === 'appId' || field === 'botId' ? 'guid' : 'config';
      issues.push({ rule, where, message: problem });
    }
  }

  if (issues.length > 0) throw new ManifestConfigError(issues);
  return { config: merged as unknown as ManifestConfig, defaultsUsed };
}

/** Reads and parses a JSON config file, or returns undefined when the optional file is absent. */
export function readConfigFile(path: string, required: boolean): ConfigSources['file'] {
  if (!existsSync(path)) {
    if (required) throw new ManifestTemplateError(path, 'config file not found');
    return undefined;
  }
  try {
    return { path, contents: JSON.parse(readFileSync(path, 'utf8')) as unknown };
  } catch (error) {
    throw new ManifestTemplateError(path, `is not valid JSON (${(error as Error).message})`);
  }
}

function readFileValues(
  file: ConfigSources['file'],
  issues: ManifestIssue[],
): Readonly<Record<string, unknown>> | undefined {
  if (file === undefined) return undefined;
  const { contents, path } = file;
  if (typeof contents !== 'object' || contents === null || Array.isArray(contents)) {
    issues.push({ rule: 'config', where: path, message: 'must be a JSON object' });
    return undefined;
  }
  const values = contents as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    // A misspelt key would otherwise be ignored and silently replaced by a default.
    if (key !== '$comment' && !(FIELDS as string[]).includes(key)) {
      issues.push({
        rule: 'config',
        where: `${key} (${path})`,
        message: `is not a known field (${FIELDS.join(', ')})`,
      });
    }
  }
  return values;
}

/** Where the example config is, and what a build reads it as. */
export const EXAMPLE_CONFIG_FILE = 'manifest/config.example.json';

/** A value copied from the example config, which a release must not carry. */
function exampleProblem(
  field: ConfigField,
  value: unknown,
  example: ConfigSources['example'],
): string | undefined {
  const contents = example?.contents;
  if (typeof contents !== 'object' || contents === null) return undefined;
  const sample = (contents as Record<string, unknown>)[field];
  const from = `the example in ${example?.path ?? EXAMPLE_CONFIG_FILE}`;
  if (field === 'validDomains') {
    const samples = new Set(Array.isArray(sample) ? sample.map((d) => String(d).toLowerCase()) : []);
    const copied = (value as string[]).filter((d) => samples.has(d.toLowerCase()));
    return copied.length === 0
      ? undefined
      : `${copied.map((d) => JSON.stringify(d)).join(', ')} ${copied.length === 1 ? 'is' : 'are'} from ${from}; list your own domains, or none`;
  }
  return sample !== undefined && value === sample
    ? `${JSON.stringify(value)} is the value of ${from}; a release needs your own`
    : undefined;
}

function checkField(field: ConfigField, value: unknown): string | undefined {
  switch (field) {
    case 'appId':
    case 'botId':
      if (typeof value !== 'string' || !GUID.test(value)) {
        return `${describe(value)} is not a GUID (like 2f6c1c1e-8f3a-4c1d-9b7e-1a2b3c4d5e6f)`;
      }
      return undefined;
    case 'developerName':
      if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
      return value.length > 32 ? `is ${value.length} characters long; Teams allows 32` : undefined;
    case 'developerWebsiteUrl':
    case 'developerPrivacyUrl':
    case 'developerTermsOfUseUrl':
      return checkHttpsUrl(value);
    case 'validDomains': {
      if (!Array.isArray(value) || value.some((d) => typeof d !== 'string'))
        return 'must be a list of host names';
      if (value.length > 100) return `has ${value.length} domains; Teams allows 100`;
      const bad = (value as string[]).filter((domain) => !DOMAIN.test(domain));
      return bad.length === 0
        ? undefined
        : `${bad.map((d) => JSON.stringify(d)).join(', ')}: write each domain as a host name like signoff.example.com or *.example.com, without https:// or a path`;
    }
  }
}

function checkHttpsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be an https URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${describe(value)} is not a URL`;
  }
  if (url.protocol !== 'https:') return `${describe(value)} must start with https://`;
  return value.length > 2048 ? 'is longer than 2048 characters' : undefined;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
