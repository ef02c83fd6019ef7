/**
 * Driving `approval` instances over HTTP: start them, wait until they are parked on their
 * `decision` event, and decide them with a bounded number of decisions in flight, timing each
 * one from the raise request to the completed status.
 */
import type { DurableClient } from './durableClient';
import { runPool } from './pool';
import { sleep } from './sleep';

/** BENCH.md: at most 50 requests in flight. */
export const IN_FLIGHT = 50;
/** Between status polls of one instance while 50 decisions are in flight (the host serves the polls too). */
export const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 2);
const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 300_000);

export class BenchStallError extends Error {
  readonly code = 'BENCH_STALL';
}

export function approvalIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
}

export async function startApprovals(client: DurableClient, ids: readonly string[]): Promise<void> {
  await runPool(ids, IN_FLIGHT, (id, i) => client.start('approval', id, { id, amount: 100 + (i % 900) }));
}

/** Resolves when `count` instances whose id starts with `prefix` are Running with custom status 'waiting'. */
export async function waitParked(
  client: DurableClient,
  prefix: string,
  count: number,
  onProgress?: (parked: number) => void,
): Promise<void> {
  let lastCount = -1;
  let lastChange = Date.now();
  for (;;) {
    const began = performance.now();
    const running = await client.query({ runtimeStatus: 'Running', instanceIdPrefix: prefix });
    const parked = running.filter((s) => s.customStatus === 'waiting').length;
    if (parked >= count) return;
    if (parked !== lastCount) {
      lastCount = parked;
      lastChange = Date.now();
      onProgress?.(parked);
    } else if (Date.now() - lastChange > STALL_MS) {
      throw new BenchStallError(
        `only ${parked} of ${count} '${prefix}' instances parked; no progress for ${STALL_MS} ms`,
      );
    }
    // Scanning costs the host work too: wait at least as long as the scan took.
    await sleep(Math.max(10, performance.now() - began));
  }
}

export interface DecideResult {
  seconds: number;
  /** Per instance, raise request sent → completed status seen, ms. */
  latenciesMs: number[];
}

/**
 * Raises `decision` on each instance and polls it until Completed, with at most `inFlight`
 * instances between the two (so at most `inFlight` requests in flight).
 */
export async function decideAll(
  client: DurableClient,
  ids: readonly string[],
  inFlight: number,
  pollMs: number,
): Promise<DecideResult> {
  const latenciesMs: number[] = new Array(ids.length);
  const began = performance.now();
  await runPool(ids, inFlight, async (id, i) => {
    const sent = performance.now();
    await client.raiseEvent(id, 'decision', { approved: true, by: 'bench' });
    const done = await client.waitFor(id, 'Completed', pollMs);
    latenciesMs[i] = performance.now() - sent;
    const output = done.output as { id?: string; decision?: { approved?: boolean } } | null;
    if (output?.id !== id || output.decision?.approved !== true) {
      throw new Error(`instance ${id} completed with unexpected output ${JSON.stringify(done.output)}`);
    }
  });
  return { seconds: (performance.now() - began) / 1000, latenciesMs };
}
