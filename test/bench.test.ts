/**
 * Smoke test of the benchmarks (bench/): each one runs as `npm run bench` would, at a tiny
 * size, and must print exactly one JSON line of finite figures with the expected names.
 * Timings are never asserted.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

const APPROVAL_KEYS = [
  'n',
  'startSeconds',
  'startInstancesPerSec',
  'decideSeconds',
  'decideEventsPerSec',
  'latency50InFlightP50Ms',
  'latency50InFlightP95Ms',
  'latency50InFlightP99Ms',
  'latency1InFlightP50Ms',
  'latency1InFlightP95Ms',
  'latency1InFlightP99Ms',
  'endToEndInstancesPerSec',
  'peakRssMiB',
  'storeBytes',
];
const TIMED_KEYS = ['n', 'seconds', 'coldSeconds'];
const WAITING_KEYS = [
  'n',
  'rssMiB',
  'peakRssMiB',
  'storeBytesPerInstance',
  'restartServeSeconds',
  'sampleN',
  'sampleLatencyP50Ms',
  'sampleLatencyP95Ms',
  'sampleLatencyP99Ms',
];

const CASES: Array<{ bench: string; n: number; keys: string[]; env?: Record<string, string> }> = [
  { bench: 'approval-1000', n: 10, keys: APPROVAL_KEYS, env: { BENCH_SERIAL_N: '5' } },
  { bench: 'approval-5000', n: 10, keys: APPROVAL_KEYS, env: { BENCH_SERIAL_N: '5' } },
  { bench: 'fanout-1000', n: 20, keys: TIMED_KEYS },
  { bench: 'fanout-10000', n: 20, keys: TIMED_KEYS },
  { bench: 'chain-100', n: 5, keys: TIMED_KEYS },
  { bench: 'waiting-100k', n: 20, keys: WAITING_KEYS, env: { BENCH_BATCH: '10' } },
];

describe('benchmarks at smoke size', () => {
  for (const c of CASES) {
    it(`${c.bench} --n ${c.n} prints one JSON line of finite figures`, async () => {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', c.bench, '--n', String(c.n)],
        {
          cwd: ROOT,
          env: { ...process.env, ...c.env },
          timeout: 30_000,
        },
      );
      const lines = stdout.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      const figures = JSON.parse(lines[0] as string) as Record<string, unknown>;
      expect(figures.bench).toBe(c.bench);
      expect(figures.n).toBe(c.n);
      for (const key of c.keys) {
        expect(Number.isFinite(figures[key]), `${key} = ${String(figures[key])}`).toBe(true);
      }
      for (const [key, value] of Object.entries(figures)) {
        if (['bench', 'node', 'date'].includes(key)) continue;
        expect(Number.isFinite(value), `${key} = ${String(value)}`).toBe(true);
      }
    });
  }
});
