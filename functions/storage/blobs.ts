/**
 * Azure Blob Storage through the app's `AzureWebJobsStorage` connection, as tables.ts does for
 * tables (Azurite locally and in tests, the app's storage account in Azure):
 *
 * - a connection string: its BlobEndpoint (`UseDevelopmentStorage=true` is Azurite's 10000);
 * - an identity: `AzureWebJobsStorage__blobServiceUri`, else the account name's public cloud
 *   endpoint (`https://<name>.blob.core.windows.net`), else the table endpoint with `.table.` read
 *   as `.blob.`; signed in with the same credential settings as the tables (connection.ts). In
 *   Azure the app's identity needs "Storage Blob Data Contributor" (infra/ grants it for the
 *   Functions host already).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { CONNECTION, resolveStorageConnection, StorageConfigError, tokenCredential } from './connection';

const RETRY = { maxTries: 3, retryDelayInMs: 300, maxRetryDelayInMs: 2_000 };

/** The blob service of the app's storage connection. */
export function blobService(env: NodeJS.ProcessEnv = process.env, prefix = CONNECTION): BlobServiceClient {
  const raw = env[prefix]?.trim();
  if (raw && /^UseDevelopmentStorage=true/i.test(raw)) {
    return BlobServiceClient.fromConnectionString('UseDevelopmentStorage=true', { retryOptions: RETRY });
  }
  const connection = resolveStorageConnection(env, prefix);
  if (connection.kind === 'connectionString') {
    return BlobServiceClient.fromConnectionString(connection.connectionString, { retryOptions: RETRY });
  }
  const explicit = env[`${prefix}__blobServiceUri`]?.trim();
  const account = env[`${prefix}__accountName`]?.trim();
  let uri: string;
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      throw new StorageConfigError(`${prefix}__blobServiceUri: "${explicit}" is not a URL`);
    }
    if (url.protocol !== 'https:' && !/^(localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname)) {
      throw new StorageConfigError(`${prefix}__blobServiceUri: "${explicit}" must be an https:// URL`);
    }
    uri = url.href.replace(/\/+$/, '');
  } else if (account) {
    uri = `https://${account}.blob.core.windows.net`;
  } else {
    uri = connection.tableServiceUri.replace('.table.', '.blob.');
  }
  return new BlobServiceClient(uri, tokenCredential(connection.credential), { retryOptions: RETRY });
}

const containers = new Map<string, Promise<ContainerClient>>();

/** A private container, created on first use (idempotently). */
export function container(name: string): Promise<ContainerClient> {
  let client = containers.get(name);
  if (!client) {
    client = (async () => {
      const c = blobService().getContainerClient(name);
      await c.createIfNotExists();
      return c;
    })();
    containers.set(name, client);
    client.catch(() => containers.delete(name));
  }
  return client;
}
