/** Seconds from starting one orchestration to seeing it Completed, checking its output. */
import type { DurableClient } from './durableClient';

export async function timeToCompletion(
  client: DurableClient,
  orchestrator: string,
  id: string,
  input: number,
  expected: number,
): Promise<number> {
  const began = performance.now();
  await client.start(orchestrator, id, input);
  const done = await client.waitFor(id, 'Completed', 1);
  const seconds = (performance.now() - began) / 1000;
  if (done.output !== expected) {
    throw new Error(`${orchestrator} ${id} returned ${JSON.stringify(done.output)}, expected ${expected}`);
  }
  return seconds;
}
