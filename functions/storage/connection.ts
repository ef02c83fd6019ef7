/**
 * Where the app's tables are and how it signs in to them, from the settings Azure documents for
 * the `AzureWebJobsStorage` connection (the same ones the Functions host reads for itself):
 *
 * - `AzureWebJobsStorage`: a connection string (`UseDevelopmentStorage=true` for Azurite). When
 *   it is set it wins, as it does for the Functions host.
 * - otherwise an identity-based connection: `AzureWebJobsStorage__tableServiceUri` (the table
 *   endpoint, for any cloud) or `AzureWebJobsStorage__accountName` (the public cloud's
 *   `https://<name>.table.core.windows.net`), signed in with
 *   - `DefaultAzureCredential` by default: the app's system-assigned identity in Azure, your
 *     `az login` / `azd auth login` on a workstation;
 *   - a user-assigned identity with `__credential=managedidentity` and `__clientId` (or
 *     `__managedIdentityResourceId`);
 *   - a service principal with `__tenantId`, `__clientId` and `__clientSecret`.
 *
 * A setting that is present but wrong stops the app naming it, rather than falling back.
 */
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { TerminalError } from '../../domain/errors';

export class StorageConfigError extends TerminalError {
  readonly code = 'STORAGE_CONFIG';
}

export type StorageCredential =
  | { readonly kind: 'default' }
  | { readonly kind: 'managedIdentity'; readonly clientId?: string; readonly resourceId?: string }
  | {
      readonly kind: 'clientSecret';
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
    };

export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      /** The table service endpoint, without a trailing slash. */
      readonly tableServiceUri: string;
      readonly credential: StorageCredential;
      /** The setting the endpoint came from, for messages. */
      readonly from: string;
    };

export const CONNECTION = 'AzureWebJobsStorage';

const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's published well-known development key, not a secret.
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The app's storage connection, from the environment (`prefix` is the connection's name). */
export function resolveStorageConnection(
  env: NodeJS.ProcessEnv = process.env,
  prefix = CONNECTION,
): StorageConnection {
  const setting = (suffix: string) => env[`${prefix}${suffix}`]?.trim() || undefined;

  const connectionString = setting('');
  if (connectionString) {
    return {
      kind: 'connectionString',
      connectionString: /^UseDevelopmentStorage=true/i.test(connectionString)
        ? `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:10002/${AZURITE_ACCOUNT};`
        : connectionString,
    };
  }

  const uri = setting('__tableServiceUri');
  const accountName = setting('__accountName');
  let tableServiceUri: string;
  let from: string;
  if (uri) {
    from = `${prefix}__tableServiceUri`;
    tableServiceUri = checkedEndpoint(uri, from);
  } else if (accountName) {
    from = `${prefix}__accountName`;
    if (!ACCOUNT_NAME.test(accountName)) {
      throw new StorageConfigError(
        `${from}: "${accountName}" is not a storage account name (3 to 24 lower-case letters and digits)`,
      );
    }
    tableServiceUri = `https://${accountName}.table.core.windows.net`;
  } else {
    throw new StorageConfigError(
      `${prefix} is not set: set it to a storage connection string ("UseDevelopmentStorage=true" for Azurite), ` +
        `or use an identity with ${prefix}__accountName or ${prefix}__tableServiceUri`,
    );
  }
  return { kind: 'identity', tableServiceUri, credential: credentialSettings(setting, prefix), from };
}

function checkedEndpoint(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StorageConfigError(`${name}: "${value}" is not a URL`);
  }
  // A token must never travel in clear text, except to an emulator on this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new StorageConfigError(`${name}: "${value}" must be an https:// URL`);
  }
  if (url.search || url.hash) {
    throw new StorageConfigError(`${name}: "${value}" must be the endpoint alone, without a query`);
  }
  return url.href.replace(/\/+$/, '');
}

function credentialSettings(
  setting: (suffix: string) => string | undefined,
  prefix: string,
): StorageCredential {
  const credential = setting('__credential');
  const clientId = setting('__clientId');
  const resourceId = setting('__managedIdentityResourceId');
  const tenantId = setting('__tenantId');
  const clientSecret = setting('__clientSecret');

  if (credential !== undefined) {
    if (credential.toLowerCase() !== 'managedidentity') {
      throw new StorageConfigError(
        `${prefix}__credential: "${credential}" is not supported; use "managedidentity"`,
      );
    }
    if (clientId && resourceId) {
      throw new StorageConfigError(
        `${prefix}__clientId and ${prefix}__managedIdentityResourceId: set one of them, not both`,
      );
    }
    return { kind: 'managedIdentity', clientId, resourceId };
  }
  if (clientSecret) {
    const missing = [
      ['__tenantId', tenantId],
      ['__clientId', clientId],
    ].filter(([, v]) => !v);
    if (missing.length > 0) {
      throw new StorageConfigError(
        `${missing.map(([s]) => `${prefix}${s}`).join(' and ')}: required with ${prefix}__clientSecret`,
      );
    }
    return { kind: 'clientSecret', tenantId: tenantId!, clientId: clientId!, clientSecret };
  }
  if (clientId || resourceId) {
    const name = clientId ? `${prefix}__clientId` : `${prefix}__managedIdentityResourceId`;
    throw new StorageConfigError(
      `${name} names a user-assigned identity, which is used only with ${prefix}__credential=managedidentity`,
    );
  }
  return { kind: 'default' };
}

/** The `@azure/identity` credential for the settings. */
export function tokenCredential(settings: StorageCredential): TokenCredential {
  switch (settings.kind) {
    case 'default':
      return new DefaultAzureCredential();
    case 'managedIdentity':
      if (settings.resourceId) return new ManagedIdentityCredential({ resourceId: settings.resourceId });
      return settings.clientId
        ? new ManagedIdentityCredential({ clientId: settings.clientId })
        : new ManagedIdentityCredential();
    case 'clientSecret':
      return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret);
  }
}
