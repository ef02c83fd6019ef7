/**
 * fanout-N (BENCH.md): one orchestration calls N activities at once and sums their results.
 * Run twice on one host: the first run is cold (JIT, caches), the second is the figure.
 */
import { type Figures, withFreshHost } from './benchRun';
import { timeToCompletion } from './completion';
import { progress } from './progress';
import { round } from './stats';

export async function fanoutBench(bench: string, n: number): Promise<Figures> {
  return withFreshHost(bench, async ({ client }) => {
    const sum = (n * (n - 1)) / 2;
    progress(bench, `cold run, ${n} activities`);
    const cold = await timeToCompletion(client, 'fanout', 'fanout-cold', n, sum);
    progress(bench, `warm run, ${n} activities`);
    const warm = await timeToCompletion(client, 'fanout', 'fanout-warm', n, sum);
    return { bench, n, seconds: round(warm), coldSeconds: round(cold) };
  });
}
