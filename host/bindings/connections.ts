/**
 * Storage connections of bindings, found as the storage extensions find them: a binding's
 * `connection` names an app setting (empty: `AzureWebJobsStorage`), looked up first with the
 * `AzureWebJobs` prefix and then as written. Its value is a connection string (Azurite's, with
 * all three endpoints, or a real account's); or, with no value, settings under the name make an
 * identity-based connection (`<name>__serviceUri`, `__blobServiceUri`, `__queueServiceUri`,
 * `__tableServiceUri` or `__accountName`, and `__credential: managedidentity` with `__clientId`),
 * authenticated with the developer's or the machine's Azure identity.
 */
import type { TableClient, TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { lookup, type Settings } from './settings';

// The storage SDKs are loaded when a binding first uses its client, not with the host: an app
// with no storage bindings (the benchmarks', any durable-only app) never pays for them (about
// 27 MiB of the host's resident memory for the three, 240 modules).
const blobSdk = () => require('@azure/storage-blob') as typeof import('@azure/storage-blob');
const queueSdk = () => require('@azure/storage-queue') as typeof import('@azure/storage-queue');
const tableSdk = () => require('@azure/data-tables') as typeof import('@azure/data-tables');

/** The SDKs' retries, shorter than their defaults: a blip is retried, an outage soon fails the invocation. */
const STORAGE_RETRY: StoragePipelineOptions['retryOptions'] = {
  maxTries: 3,
  retryDelayInMs: 400,
  maxRetryDelayInMs: 4000,
};
const TABLE_RETRY: TableServiceClientOptions['retryOptions'] = {
  maxRetries: 2,
  retryDelayInMs: 400,
  maxRetryDelayInMs: 4000,
};

export type ConnectionSpec =
  | { kind: 'connectionString'; setting: string; connectionString: string }
  | {
      kind: 'identity';
      setting: string;
      blobUri?: string;
      queueUri?: string;
      tableUri?: string;
      credential?: string;
      clientId?: string;
    };

/** The connection a binding names, or a sentence saying what is missing. */
export function findConnection(connection: string | undefined, settings: Settings): ConnectionSpec | string {
  const name = connection?.trim() || 'AzureWebJobsStorage';
  for (const setting of [`AzureWebJobs${name}`, name]) {
    const value = lookup(settings, setting)?.trim();
    if (value) return { kind: 'connectionString', setting, connectionString: value };
    const identity = identityConnection(setting, settings);
    if (identity) return identity;
  }
  const setting = name.startsWith('AzureWebJobs') ? name : `AzureWebJobs${name} or ${name}`;
  return `the storage connection '${name}' is not set: give the app setting ${setting} a connection string (or set ${name}__accountName or ${name}__serviceUri for an identity-based connection)`;
}

function identityConnection(setting: string, settings: Settings): ConnectionSpec | undefined {
  const prefix = `${setting}__`.toLowerCase();
  const props: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    const lower = key.toLowerCase().replaceAll(':', '__');
    if (value && lower.startsWith(prefix)) props[lower.slice(prefix.length)] = value.trim();
  }
  const account = props.accountname;
  const uri = (service: string) =>
    props[`${service}serviceuri`] ??
    (service === 'blob' ? props.serviceuri : undefined) ??
    (account ? `https://${account}.${service}.core.windows.net` : undefined);
  const blobUri = uri('blob');
  const queueUri = uri('queue');
  const tableUri = uri('table');
  if (!blobUri && !queueUri && !tableUri) return undefined;
  return {
    kind: 'identity',
    setting,
    blobUri,
    queueUri,
    tableUri,
    credential: props.credential,
    clientId: props.clientid,
  };
}

/** One storage account's clients, made on first use. */
export class StorageAccount {
  private blobClient: BlobServiceClient | undefined;
  private queueClient: QueueServiceClient | undefined;
  private credentialValue: TokenCredential | undefined;

  constructor(readonly spec: ConnectionSpec) {
    // A connection string that does not parse stops start-up (indexing), not the first invocation.
    if (spec.kind === 'connectionString') this.blobs();
  }

  get setting(): string {
    return this.spec.setting;
  }

  /** Why this account cannot serve `service` (an identity connection without its endpoint), if it cannot. */
  lacks(service: 'blob' | 'queue' | 'table'): string | undefined {
    if (this.spec.kind === 'connectionString' || this.spec[`${service}Uri`]) return undefined;
    const s = this.spec.setting;
    return `the identity-based connection '${s}' has no ${service} endpoint: set ${s}__accountName or ${s}__${service}ServiceUri`;
  }

  private endpoint(service: 'blob' | 'queue' | 'table'): string {
    const uri = this.spec.kind === 'identity' ? this.spec[`${service}Uri`] : undefined;
    if (!uri) throw new Error(this.lacks(service));
    return uri;
  }

  blobs(): BlobServiceClient {
    this.blobClient ??=
      this.spec.kind === 'connectionString'
        ? blobSdk().BlobServiceClient.fromConnectionString(this.spec.connectionString, {
            retryOptions: STORAGE_RETRY,
          })
        : new (blobSdk().BlobServiceClient)(this.endpoint('blob'), this.credential(), {
            retryOptions: STORAGE_RETRY,
          });
    return this.blobClient;
  }

  queues(): QueueServiceClient {
    this.queueClient ??=
      this.spec.kind === 'connectionString'
        ? queueSdk().QueueServiceClient.fromConnectionString(this.spec.connectionString, {
            retryOptions: STORAGE_RETRY,
          })
        : new (queueSdk().QueueServiceClient)(this.endpoint('queue'), this.credential(), {
            retryOptions: STORAGE_RETRY,
          });
    return this.queueClient;
  }

  table(name: string): TableClient {
    if (this.spec.kind === 'connectionString') {
      return tableSdk().TableClient.fromConnectionString(this.spec.connectionString, name, {
        allowInsecureConnection: this.spec.connectionString.includes('http://'),
        retryOptions: TABLE_RETRY,
      });
    }
    const uri = this.endpoint('table');
    return new (tableSdk().TableClient)(uri, name, this.credential(), {
      allowInsecureConnection: uri.startsWith('http://'),
      retryOptions: TABLE_RETRY,
    });
  }

  private credential(): TokenCredential {
    if (!this.credentialValue) {
      const spec = this.spec as Extract<ConnectionSpec, { kind: 'identity' }>;
      // Loaded only for identity-based connections: it is large.
      const identity = require('@azure/identity') as typeof import('@azure/identity');
      this.credentialValue =
        spec.credential?.toLowerCase() === 'managedidentity'
          ? new identity.ManagedIdentityCredential(spec.clientId ? { clientId: spec.clientId } : {})
          : new identity.DefaultAzureCredential(
              spec.clientId ? { managedIdentityClientId: spec.clientId } : undefined,
            );
    }
    return this.credentialValue;
  }
}

/** The accounts the app's bindings use, one per connection setting. */
export class StorageAccounts {
  private readonly accounts = new Map<string, StorageAccount>();

  constructor(private readonly settings: Settings) {}

  /** The account for a binding's `connection`; throws a sentence saying what is missing. */
  get(connection: string | undefined): StorageAccount {
    const spec = findConnection(connection, this.settings);
    if (typeof spec === 'string') throw new Error(spec);
    let account = this.accounts.get(spec.setting);
    if (!account) {
      account = new StorageAccount(spec);
      this.accounts.set(spec.setting, account);
    }
    return account;
  }
}
