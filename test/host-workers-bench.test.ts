/**
 * Smoke test of the worker-cost benchmark (bench/workerCost.ts): it runs as `npm run bench`
 * would, at a tiny size and one round, and prints one JSON line of finite figures, among them
 * the proof that two workers ran the CPU-bound fan-out (it checks that itself). Timings are never
 * asserted.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

const KEYS = [
  'n',
  'rounds',
  'inProcessEpisodeMs',
  'workerEpisodeMs',
  'workerEpisodeExtraMs',
  'workerEpisodeRatio',
  'inProcessChainStepMs',
  'workerChainStepMs',
  'workerChainStepExtraMs',
  'workerChainRatio',
  'burnInProcessSeconds',
  'burnWorkerSeconds',
  'burnTwoWorkersSeconds',
  'burnTwoWorkersSpeedup',
  'idleRssInProcessMiB',
  'idleRssWorkerMiB',
  'idleRssTwoWorkersMiB',
];

it('worker-cost --n 5 prints one JSON line of finite figures', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', 'worker-cost', '--n', '5'],
    { cwd: path.resolve(__dirname, '..'), env: { ...process.env, BENCH_ROUNDS: '1' }, timeout: 60_000 },
  );
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  const figures = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(figures).toMatchObject({ bench: 'worker-cost', n: 5, rounds: 1 });
  for (const key of KEYS)
    expect(Number.isFinite(figures[key]), `${key} = ${String(figures[key])}`).toBe(true);
});
