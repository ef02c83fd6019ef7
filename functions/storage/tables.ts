/**
 * Azure Table Storage through the app's `AzureWebJobsStorage` connection, the same storage
 * account the function app has in Azure (Azurite locally and in tests): by connection string, or
 * by identity (`AzureWebJobsStorage__accountName`, see connection.ts).
 */
import { TableClient } from '@azure/data-tables';
import { RetryableError } from '../../domain/errors';
import { resolveStorageConnection, type StorageConnection, tokenCredential } from './connection';

export { StorageConfigError } from './connection';

/**
 * The SDK's own retries, shorter than its defaults (3 retries up to 64 s apart): a blip is
 * retried here, an outage is soon an error. Workflows retry their storage activities with
 * backoff for hours, and HTTP callers get 503 with Retry-After instead of a hanging request.
 */
const RETRY = { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2_000 };

/** A client for the table `name` over `connection`; nothing is sent until it is used. */
export function tableClient(name: string, connection: StorageConnection): TableClient {
  if (connection.kind === 'connectionString') {
    return TableClient.fromConnectionString(connection.connectionString, name, {
      allowInsecureConnection: connection.connectionString.includes('http://'),
      retryOptions: RETRY,
    });
  }
  return new TableClient(connection.tableServiceUri, name, tokenCredential(connection.credential), {
    allowInsecureConnection: connection.tableServiceUri.startsWith('http://'),
    retryOptions: RETRY,
  });
}

const clients = new Map<string, Promise<TableClient>>();

/** A client for `table`, created on first use (idempotently, as activities may run twice). */
export function table(name: string): Promise<TableClient> {
  let client = clients.get(name);
  if (!client) {
    client = (async () => {
      const c = tableClient(name, resolveStorageConnection());
      try {
        await c.createTable();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      }
      return c;
    })();
    clients.set(name, client);
    client.catch(() => clients.delete(name));
  }
  return client;
}

export const statusCodeOf = (error: unknown): number | undefined =>
  (error as { statusCode?: number } | null)?.statusCode;

/** Another writer got there first (entity exists, or its ETag changed). */
export const isConflict = (error: unknown): boolean => {
  const code = statusCodeOf(error);
  return code === 409 || code === 412;
};

/** Too many concurrent writers on one row; the activity fails and its retry policy decides. */
export class StorageContentionError extends RetryableError {
  readonly code = 'STORAGE_CONTENTION';
  constructor(what: string) {
    super(`Gave up updating ${what} after repeated concurrent changes`);
  }
}

/** One row, or undefined when there is none. */
export async function readRow<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<(T & { etag: string }) | undefined> {
  try {
    return await client.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}
