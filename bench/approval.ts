/**
 * approval-N (BENCH.md): start N approval instances, wait until all are parked on their
 * decision, decide them all with 50 decisions in flight, then decide a further batch one at a
 * time for the unloaded latency.
 */
import { approvalIds, decideAll, IN_FLIGHT, POLL_MS, startApprovals, waitParked } from './approvalDriver';
import { type Figures, withFreshHost } from './benchRun';
import { storeBytes } from './hostProcess';
import { progress } from './progress';
import { latencyFigures, MIB, round } from './stats';

/** Instances decided one at a time after the main phase (BENCH_SERIAL_N overrides). */
const SERIAL_N = Number(process.env.BENCH_SERIAL_N ?? 200);

export async function approvalBench(bench: string, n: number): Promise<Figures> {
  return withFreshHost(bench, async ({ host, client, dataDir }) => {
    const ids = approvalIds('a', n);
    progress(bench, `starting ${n} instances`);
    const began = performance.now();
    await startApprovals(client, ids);
    const acked = performance.now();
    await waitParked(client, 'a', n, (parked) => progress(bench, `${parked}/${n} parked`));
    const parked = performance.now();
    progress(bench, `all parked; deciding with ${IN_FLIGHT} in flight`);
    const loaded = await decideAll(client, ids, IN_FLIGHT, POLL_MS);
    const completed = performance.now();
    const memory = host.memory();
    const bytes = storeBytes(dataDir);

    const serialN = Math.min(SERIAL_N, n);
    progress(bench, `deciding ${serialN} more one at a time`);
    const serialIds = approvalIds('s', serialN);
    await startApprovals(client, serialIds);
    await waitParked(client, 's', serialN);
    const serial = await decideAll(client, serialIds, 1, 0);

    const startSeconds = (parked - began) / 1000;
    const loadedLatency = latencyFigures(loaded.latenciesMs);
    const serialLatency = latencyFigures(serial.latenciesMs);
    return {
      bench,
      n,
      startSeconds: round(startSeconds),
      startAckSeconds: round((acked - began) / 1000),
      startInstancesPerSec: round(n / startSeconds, 1),
      decideSeconds: round(loaded.seconds),
      decideEventsPerSec: round(n / loaded.seconds, 1),
      latency50InFlightP50Ms: loadedLatency.p50,
      latency50InFlightP95Ms: loadedLatency.p95,
      latency50InFlightP99Ms: loadedLatency.p99,
      latency1InFlightN: serialN,
      latency1InFlightP50Ms: serialLatency.p50,
      latency1InFlightP95Ms: serialLatency.p95,
      latency1InFlightP99Ms: serialLatency.p99,
      endToEndInstancesPerSec: round(n / ((completed - began) / 1000), 1),
      peakRssMiB: round(memory.peakRss / MIB, 1),
      storeBytes: bytes,
      pollMs: POLL_MS,
    };
  });
}
