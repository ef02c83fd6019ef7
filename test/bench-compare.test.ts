/**
 * `npm run bench -- compare <git-ref> <name>` (bench/compare.ts): its arguments, its arithmetic
 * (medians of each side and their ratio), and a smoke run of a tiny benchmark against HEAD that
 * leaves no worktree behind, also when the runs fail. Timings are never asserted.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CompareUsageError, compareFigures, parseCompareArgs } from '../bench/compare';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const NAMES = ['chain-100', 'approval-1000'];

describe('compare arguments', () => {
  it('takes a ref and a benchmark name, with --n and --rounds in either form', () => {
    expect(parseCompareArgs(['main', 'chain-100'], NAMES)).toEqual({
      ref: 'main',
      name: 'chain-100',
      n: undefined,
      rounds: 3,
    });
    expect(parseCompareArgs(['--n', '5', 'a6549f5', 'chain-100', '--rounds=1'], NAMES)).toEqual({
      ref: 'a6549f5',
      name: 'chain-100',
      n: 5,
      rounds: 1,
    });
  });

  it.each([
    [[], /missing git ref/],
    [['main'], /missing benchmark name/],
    [['main', 'nosuch'], /unknown benchmark "nosuch"/],
    [['main', 'all'], /one benchmark, not "all"/],
    [['main', 'chain-100', 'extra'], /unexpected argument "extra"/],
    [['main', 'chain-100', '--n'], /--n needs a value/],
    [['main', 'chain-100', '--n', '0'], /--n must be a positive integer, got "0"/],
    [['main', 'chain-100', '--rounds=x'], /--rounds must be a positive integer/],
    [['main', 'chain-100', '--fast'], /unknown option "--fast"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCompareArgs(argv, NAMES)).toThrow(CompareUsageError);
    expect(() => parseCompareArgs(argv, NAMES)).toThrow(message);
  });
});

describe('compare arithmetic', () => {
  it('medians of each side and B / A, for the numeric figures both sides have', () => {
    const a = [
      { bench: 'x', n: 10, seconds: 2, rss: 100, zero: 0, cpus: 2, date: 'd' },
      { bench: 'x', n: 10, seconds: 4, rss: 300, zero: 0, cpus: 2, date: 'd' },
      { bench: 'x', n: 10, seconds: 3, rss: 200, zero: 0, cpus: 2, date: 'd' },
    ];
    const b = [
      { bench: 'x', n: 10, seconds: 1, rss: 150, zero: 1, cpus: 2, date: 'd' },
      { bench: 'x', n: 10, seconds: 1.5, rss: 50, zero: 1, cpus: 2, date: 'd' },
      { bench: 'x', n: 10, seconds: 9, rss: 100, zero: 1, cpus: 2, date: 'd' },
    ];
    expect(compareFigures(a, b)).toEqual({
      n: { a: 10, b: 10, ratio: 1 },
      seconds: { a: 3, b: 1.5, ratio: 0.5 },
      rss: { a: 200, b: 100, ratio: 0.5 },
      zero: { a: 0, b: 1, ratio: null },
    });
  });

  it('the median of an even count is the lower middle (nearest rank), and 1/3 rounds to 3 digits', () => {
    expect(compareFigures([{ t: 3 }, { t: 1 }], [{ t: 1 }, { t: 5 }])).toEqual({
      t: { a: 1, b: 1, ratio: 1 },
    });
    expect(compareFigures([{ t: 3 }], [{ t: 1 }]).t?.ratio).toBe(0.333);
  });

  it('leaves out a figure one side lacks or has as text', () => {
    expect(compareFigures([{ t: 1, s: 'x', only: 2 }], [{ t: 2, s: 'y' }])).toEqual({
      t: { a: 1, b: 2, ratio: 2 },
    });
  });
});

async function worktrees(): Promise<string> {
  return (await run('git', ['worktree', 'list'], { cwd: ROOT })).stdout;
}

describe('compare runs', () => {
  it('chain-100 --n 3 at HEAD against the working tree: one JSON line of medians and ratios', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', 'compare', 'HEAD', 'chain-100', '--n', '3', '--rounds', '1'],
      { cwd: ROOT, timeout: 90_000 },
    );
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] as string) as {
      bench: string;
      rounds: number;
      figures: Record<string, { a: number; b: number; ratio: number | null }>;
    };
    expect(out).toMatchObject({ bench: 'chain-100', rounds: 1, a: 'HEAD' });
    expect(out.figures.n).toEqual({ a: 3, b: 3, ratio: 1 });
    const seconds = out.figures.seconds;
    expect(seconds?.a).toBeGreaterThan(0);
    expect(seconds?.ratio).toBeCloseTo((seconds?.b ?? 0) / (seconds?.a ?? 1), 2);
    expect(await worktrees()).not.toContain('signoff-compare-');
  }, 120_000);

  it('removes its worktree when a run fails, and says why', async () => {
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', 'compare', 'HEAD', 'chain-100', '--n', '1', '--rounds', '1'],
      // The host refuses an unknown argument at start-up: run A fails.
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, BENCH_HOST_ARGS: '--no-such-flag' } },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/A: chain-100 exited with 1, no figures/);
    expect(await worktrees()).not.toContain('signoff-compare-');
  }, 60_000);

  it('refuses a ref that is not a commit, with the usage', async () => {
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', 'compare', 'no-such-ref-xyz', 'chain-100'],
      { cwd: ROOT, timeout: 30_000 },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('"no-such-ref-xyz" is not a commit here');
    expect(failed?.stderr).toContain('compare <git-ref> <name>');
  });
});
