/**
 * chain-N (BENCH.md: N = 100): one orchestration calls N activities one after another.
 * Run twice on one host: the first run is cold, the second is the figure.
 */
import { type Figures, withFreshHost } from './benchRun';
import { timeToCompletion } from './completion';
import { progress } from './progress';
import { round } from './stats';

export async function chainBench(bench: string, n: number): Promise<Figures> {
  return withFreshHost(bench, async ({ client }) => {
    progress(bench, `cold run, ${n} steps`);
    const cold = await timeToCompletion(client, 'chain', 'chain-cold', n, n);
    progress(bench, `warm run, ${n} steps`);
    const warm = await timeToCompletion(client, 'chain', 'chain-warm', n, n);
    return { bench, n, seconds: round(warm), coldSeconds: round(cold) };
  });
}
