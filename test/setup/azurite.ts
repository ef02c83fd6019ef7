/**
 * vitest global setup: one real Azurite (Blob, Queue and Table services, in memory, each on a
 * free port) for the whole run. Its connection string, which names all three endpoints, goes
 * into AzureWebJobsStorage, which test hosts inherit.
 */
import { startAzurite } from '../../host/azurite';

export default async function setup(): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  process.env.AzureWebJobsStorage = azurite.connectionString;
  return () => azurite.stop();
}
