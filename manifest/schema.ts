import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';
import type { ManifestIssue } from './errors';

/** Oldest manifest version we build for; older ones lack features the bot relies on. */
export const MIN_MANIFEST_VERSION = '1.19';

const schemaRoot = join(
  dirname(require.resolve('@microsoft/app-manifest/package.json')),
  'build',
  'json-schemas',
  'teams',
);

/** Teams manifest schema versions shipped inside `@microsoft/app-manifest`, oldest first. */
export function bundledSchemaVersions(): string[] {
  return readdirSync(schemaRoot)
    .filter((dir) => /^v\d+\.\d+$/.test(dir))
    .map((dir) => dir.slice(1))
    .sort(compareVersions);
}

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

const schemas = new Map<string, object>();

/** The bundled JSON schema for a manifest version, read from disk: validation never goes online. */
export function bundledSchema(version: string): object | undefined {
  if (!bundledSchemaVersions().includes(version)) return undefined;
  let schema = schemas.get(version);
  if (schema === undefined) {
    schema = JSON.parse(
      readFileSync(join(schemaRoot, `v${version}`, 'MicrosoftTeams.schema.json'), 'utf8'),
    ) as object;
    schemas.set(version, schema);
  }
  return schema;
}

/**
 * Validates a manifest against the bundled schema for its `manifestVersion`, using the validator
 * of `@microsoft/app-manifest` (ajv, all errors) with the schema passed in so that it is not fetched.
 */
export async function validateAgainstSchema(manifest: unknown): Promise<ManifestIssue[]> {
  const version =
    typeof manifest === 'object' && manifest !== null
      ? (manifest as { manifestVersion?: unknown }).manifestVersion
      : undefined;
  if (typeof version !== 'string') {
    return [{ rule: 'schema', where: 'manifest.json /manifestVersion', message: 'is missing' }];
  }
  if (compareVersions(version, MIN_MANIFEST_VERSION) < 0) {
    return [
      {
        rule: 'schema',
        where: 'manifest.json /manifestVersion',
        message: `"${version}" is older than ${MIN_MANIFEST_VERSION}`,
      },
    ];
  }
  const schema = bundledSchema(version);
  if (schema === undefined) {
    return [
      {
        rule: 'schema',
        where: 'manifest.json /manifestVersion',
        message: `"${version}" has no schema in @microsoft/app-manifest (bundled: ${bundledSchemaVersions().join(', ')})`,
      },
    ];
  }
  // The library's signature is generic over its own manifest types; the value is checked, not trusted.
  const errors = await AppManifestUtils.validateAgainstSchema(
    manifest as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0],
    schema as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1],
  );
  return errors.map(toIssue);
}

/** Turns the library's `"<path> <message>. Details: <json>"` lines into issues that name the field. */
function toIssue(line: string): ManifestIssue {
  const match = /^(\S*) (.*?)\. Details: (.*)$/s.exec(line);
  if (match === null) return { rule: 'schema', where: 'manifest.json', message: line };
  const [, path = '', message = '', details = ''] = match;
  let extra = '';
  try {
    const params = JSON.parse(details) as Record<string, unknown>;
    if (typeof params.additionalProperty === 'string') extra = ` ("${params.additionalProperty}")`;
    if (Array.isArray(params.allowedValues))
      extra = ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  } catch {
    // Details are a courtesy; the message already says what is wrong.
  }
  return { rule: 'schema', where: `manifest.json ${path || '/'}`, message: `${message}${extra}` };
}
