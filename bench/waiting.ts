/**
 * waiting-N (BENCH.md: N = 100,000): N approval instances parked on their event and timer.
 * Started in batches (50 requests in flight, each batch parked before the next), then the host
 * is stopped with SIGTERM and started again on the same data, and a sample is decided.
 */
import { approvalIds, decideAll, IN_FLIGHT, POLL_MS, startApprovals, waitParked } from './approvalDriver';
import { type Figures, withFreshHost } from './benchRun';
import { DurableClient } from './durableClient';
import { BenchHost, freePort, storeBytes } from './hostProcess';
import { progress } from './progress';
import { sleep } from './sleep';
import { latencyFigures, MIB, round } from './stats';

const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const SAMPLE = 1000;
const RESTART_TIMEOUT_MS = 120_000;

const batchPrefix = (b: number) => `w${String(b).padStart(4, '0')}-`;

export async function waitingBench(bench: string, n: number): Promise<Figures> {
  return withFreshHost(bench, async (session) => {
    const batches: string[][] = [];
    for (let b = 0; b * BATCH < n; b++)
      batches.push(approvalIds(batchPrefix(b), Math.min(BATCH, n - b * BATCH)));
    const began = performance.now();
    for (const [b, ids] of batches.entries()) {
      await startApprovals(session.client, ids);
      await waitParked(session.client, batchPrefix(b), ids.length);
      const done = b * BATCH + ids.length;
      const rate = done / ((performance.now() - began) / 1000);
      progress(
        bench,
        `${done}/${n} parked (${rate.toFixed(0)}/s, host RSS ${(session.host.memory().rss / MIB).toFixed(0)} MiB)`,
      );
    }
    const startSeconds = (performance.now() - began) / 1000;
    const memory = session.host.memory();
    const bytes = storeBytes(session.dataDir);

    progress(bench, 'stopping the host (SIGTERM) and starting it again on the same data');
    session.client.close();
    const stopBegan = performance.now();
    await session.host.stop();
    const stopSeconds = (performance.now() - stopBegan) / 1000;
    const bytesAfterStop = storeBytes(session.dataDir);
    const port = await freePort();
    const restartBegan = performance.now();
    session.host = await BenchHost.spawn(session.dataDir, port);
    session.client = new DurableClient(session.host.url);
    const probeId = batches[Math.floor(batches.length / 2)]?.[0] as string;
    await waitServing(session.client, probeId);
    const restartServeSeconds = (performance.now() - restartBegan) / 1000;
    const restartMemory = session.host.memory();

    const all = batches.flat();
    const sampleSize = Math.min(SAMPLE, all.length);
    const step = all.length / sampleSize;
    const sample = Array.from({ length: sampleSize }, (_, i) => all[Math.floor(i * step)] as string);
    progress(
      bench,
      `host serving after ${restartServeSeconds.toFixed(2)} s; deciding a sample of ${sampleSize}`,
    );
    const decided = await decideAll(session.client, sample, IN_FLIGHT, POLL_MS);
    const latency = latencyFigures(decided.latenciesMs);
    return {
      bench,
      n,
      startSeconds: round(startSeconds),
      startInstancesPerSec: round(n / startSeconds, 1),
      rssMiB: round(memory.rss / MIB, 1),
      peakRssMiB: round(memory.peakRss / MIB, 1),
      storeBytes: bytes,
      storeBytesPerInstance: round(bytes / n, 1),
      storeBytesAfterStop: bytesAfterStop,
      stopSeconds: round(stopSeconds),
      restartServeSeconds: round(restartServeSeconds),
      restartRssMiB: round(restartMemory.rss / MIB, 1),
      sampleN: sampleSize,
      sampleDecideSeconds: round(decided.seconds),
      sampleLatencyP50Ms: latency.p50,
      sampleLatencyP95Ms: latency.p95,
      sampleLatencyP99Ms: latency.p99,
      restartedPeakRssMiB: round(session.host.memory().peakRss / MIB, 1),
      pollMs: POLL_MS,
    };
  });
}

/** Polls until the admin status endpoint and one instance's status both answer. */
async function waitServing(client: DurableClient, instanceId: string): Promise<void> {
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  let hostUp = false;
  while (Date.now() < deadline) {
    hostUp ||= await client.hostStatus();
    if (hostUp) {
      try {
        const s = await client.status(instanceId);
        if (s.runtimeStatus === 'Running') return;
      } catch {
        // not serving yet
      }
    }
    await sleep(5);
  }
  throw new Error(`the restarted host did not serve status within ${RESTART_TIMEOUT_MS} ms`);
}
