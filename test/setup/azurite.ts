/**
 * vitest global setup: one real Azurite (Table service, in memory) for the whole run. Its
 * connection string goes into AzureWebJobsStorage, which test hosts inherit.
 */
import { startAzurite } from '../../host/azurite';

export default async function setup(): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  process.env.AzureWebJobsStorage = azurite.connectionString;
  return () => azurite.stop();
}
