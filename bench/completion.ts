/**
 * Seconds from starting one orchestration to its completion, checking its output. It uses the
 * API's create-and-wait, so no status polling competes with the work being measured.
 */
import type { DurableClient } from './durableClient';

export async function timeToCompletion(
  client: DurableClient,
  orchestrator: string,
  id: string,
  input: unknown,
  expected: unknown,
): Promise<number> {
  const began = performance.now();
  const output = await client.startAndWait(orchestrator, id, input);
  const seconds = (performance.now() - began) / 1000;
  if (output !== expected) {
    throw new Error(`${orchestrator} ${id} returned ${JSON.stringify(output)}, expected ${expected}`);
  }
  return seconds;
}
