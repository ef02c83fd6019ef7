/**
 * worker-cost: what running the app in worker processes (the host's default, as in Azure) costs
 * per episode against running it on the host's own event loop (`--in-process`), and what a second
 * worker process buys on CPU-bound work. Three parts, each comparing like with like in the same
 * minutes of a shared, noisy machine:
 *
 * 1. The invocation round trip alone (invokeCost.ts): in this process, through the in-process
 *    invoker and through one worker, for a small and a large input.
 * 2. Episodes end to end on real hosts, one in-process and one with a worker, side by side,
 *    measured in alternation for BENCH_ROUNDS rounds (default 9): timers-N (one orchestration
 *    waits for N timers one after another, each due at once: N episodes and no activity, an
 *    episode alone from its timer's firing to the commit of the next) and chain-N (N activities
 *    one after another: an episode and an activity a step). Each round gives a difference and a
 *    ratio; the figures are their medians, and the median times.
 * 3. CPU-bound work: 8 activities of 100 ms of CPU at once, in-process, with one worker and with
 *    two (three rounds): the second worker's speed-up on a 2-core machine.
 */
import fs from 'node:fs';
import type { Figures } from './benchRun';
import { timeToCompletion } from './completion';
import { DurableClient } from './durableClient';
import { BenchHost, type HostVariant, tempDataDir } from './hostProcess';
import { invokeCost } from './invokeCost';
import { progress } from './progress';
import { MIB, median, round } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BURN_ROUNDS = Math.min(ROUNDS, 3);
const BURN = { n: 8, ms: 100 };
const SMALL_KIB = 2;
const LARGE_KIB = 64;

const VARIANTS = {
  inProcess: { args: ['--in-process'] },
  worker: { env: { FUNCTIONS_WORKER_PROCESS_COUNT: '1' } },
  twoWorkers: { env: { FUNCTIONS_WORKER_PROCESS_COUNT: '2' } },
} satisfies Record<string, HostVariant>;
type Variant = keyof typeof VARIANTS;

interface Subject {
  variant: Variant;
  host: BenchHost;
  client: DurableClient;
  dataDir: string;
}

export async function workerCostBench(bench: string, n: number): Promise<Figures> {
  progress(bench, `invocation round trips, ${SMALL_KIB} KiB and ${LARGE_KIB} KiB inputs`);
  const invoke = await invokeCost([SMALL_KIB, LARGE_KIB]);

  const subjects = {} as Record<Variant, Subject>;
  try {
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      const dataDir = tempDataDir(`${bench}-${variant}`);
      const host = await BenchHost.spawn(dataDir, 0, VARIANTS[variant]);
      subjects[variant] = { variant, host, client: new DurableClient(host.url), dataDir };
    }
    let seq = 0;
    const run = (s: Subject, name: string, input: unknown, expected: unknown) =>
      timeToCompletion(s.client, name, `${s.variant}-${name}-${seq++}`, input, expected);
    const { inProcess, worker, twoWorkers } = subjects;

    progress(bench, 'warming up each host');
    for (const s of [inProcess, worker, twoWorkers]) {
      await run(s, 'timers', n, n);
      await run(s, 'chain', n, n);
      await run(s, 'burnFanout', BURN, s === twoWorkers ? 2 : 1);
    }
    const idle = {
      inProcess: inProcess.host.memory().rss / MIB,
      worker: worker.host.memory().rss / MIB,
      twoWorkers: twoWorkers.host.memory().rss / MIB,
    };

    const timers: Array<[number, number]> = [];
    const chain: Array<[number, number]> = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Which of the two goes first alternates, so that neither always follows the other.
      const pair = async (name: string, into: Array<[number, number]>) => {
        if (r % 2 === 0) {
          const a = await run(inProcess, name, n, n);
          into.push([a, await run(worker, name, n, n)]);
        } else {
          const b = await run(worker, name, n, n);
          into.push([await run(inProcess, name, n, n), b]);
        }
      };
      await pair('timers', timers);
      await pair('chain', chain);
      progress(bench, `round ${r + 1}/${ROUNDS}: timers ${fmt(timers.at(-1))}, chain ${fmt(chain.at(-1))}`);
    }

    const burns: Array<Record<Variant, number>> = [];
    for (let r = 0; r < BURN_ROUNDS; r++) {
      const order = [inProcess, worker, twoWorkers];
      const times = {} as Record<Variant, number>;
      for (let i = 0; i < order.length; i++) {
        const s = order[(r + i) % order.length] as Subject;
        times[s.variant] = await run(s, 'burnFanout', BURN, s === twoWorkers ? 2 : 1);
      }
      burns.push(times);
      progress(bench, `burn round ${r + 1}/${BURN_ROUNDS}: ${JSON.stringify(times)}`);
    }

    const perStepMs = (seconds: number) => (seconds * 1000) / n;
    const pairs = (list: Array<[number, number]>) => ({
      inProcessMs: round(median(list.map(([a]) => perStepMs(a)))),
      workerMs: round(median(list.map(([, b]) => perStepMs(b)))),
      extraMs: round(median(list.map(([a, b]) => perStepMs(b - a)))),
      ratio: round(median(list.map(([a, b]) => b / a))),
    });
    const t = pairs(timers);
    const c = pairs(chain);
    return {
      bench,
      n,
      rounds: ROUNDS,
      invokeInProcessUs: round(invoke.inProcessUs[SMALL_KIB] as number, 1),
      invokeWorkerUs: round(invoke.workerUs[SMALL_KIB] as number, 1),
      invokeLargeInProcessUs: round(invoke.inProcessUs[LARGE_KIB] as number, 1),
      invokeLargeWorkerUs: round(invoke.workerUs[LARGE_KIB] as number, 1),
      inProcessEpisodeMs: t.inProcessMs,
      workerEpisodeMs: t.workerMs,
      workerEpisodeExtraMs: t.extraMs,
      workerEpisodeRatio: t.ratio,
      inProcessChainStepMs: c.inProcessMs,
      workerChainStepMs: c.workerMs,
      workerChainStepExtraMs: c.extraMs,
      workerChainRatio: c.ratio,
      burnInProcessSeconds: round(median(burns.map((b) => b.inProcess))),
      burnWorkerSeconds: round(median(burns.map((b) => b.worker))),
      burnTwoWorkersSeconds: round(median(burns.map((b) => b.twoWorkers))),
      burnTwoWorkersSpeedup: round(median(burns.map((b) => b.worker / b.twoWorkers))),
      idleRssInProcessMiB: round(idle.inProcess, 1),
      idleRssWorkerMiB: round(idle.worker, 1),
      idleRssTwoWorkersMiB: round(idle.twoWorkers, 1),
    };
  } catch (error) {
    for (const s of Object.values(subjects)) {
      const tail = s.host.recentOutput.trim();
      if (tail) process.stderr.write(`${s.variant} host output:\n${tail}\n`);
    }
    throw error;
  } finally {
    for (const s of Object.values(subjects)) {
      s.client.close();
      await s.host.stop();
      if (!process.env.BENCH_KEEP_DATA) fs.rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
}

function fmt(pair: [number, number] | undefined): string {
  return pair ? `${pair[0].toFixed(3)} s in-process, ${pair[1].toFixed(3)} s worker` : '-';
}
