/**
 * `npm run bench -- compare <git-ref> <name> [--n N] [--rounds R]`: the benchmark `<name>` at
 * `<ref>` (A) and in the working tree (B), run interleaved A B A B A B on this machine, and each
 * figure's medians and their ratio B / A as one JSON line. `<ref>` is checked out in a temporary
 * git worktree (detached, node_modules a symlink to this checkout's), removed afterwards whatever
 * happens. Each run is a child process of this checkout's driver (`bench/run.ts <name>`) with
 * BENCH_TREE naming the tree whose host and apps it measures: the same measuring code on both
 * sides, so a benchmark added since `<ref>` (signoff-loan) compares too.
 *
 * Ratios are the comparison to quote: absolute figures do not carry from one machine (or one
 * hour of a shared machine) to another, and interleaving spreads the machine's drift over both.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { progress } from './progress';
import { median, round } from './stats';

const execFileP = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

export class CompareUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

export interface CompareOptions {
  ref: string;
  name: string;
  n: number | undefined;
  rounds: number;
}

export const COMPARE_USAGE = 'usage: npm run bench -- compare <git-ref> <name> [--n N] [--rounds R]';

/** The arguments after `compare`. */
export function parseCompareArgs(argv: readonly string[], knownNames: readonly string[]): CompareOptions {
  const positionals: string[] = [];
  let n: number | undefined;
  let rounds = 3;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const flag = /^--(n|rounds)(?:=(.*))?$/.exec(arg);
    if (flag) {
      const value = flag[2] ?? argv[++i];
      if (value === undefined) throw new CompareUsageError(`--${flag[1]} needs a value`);
      const number = Number(value);
      if (!Number.isInteger(number) || number <= 0)
        throw new CompareUsageError(`--${flag[1]} must be a positive integer, got "${value}"`);
      if (flag[1] === 'n') n = number;
      else rounds = number;
    } else if (arg.startsWith('-')) {
      throw new CompareUsageError(`unknown option "${arg}"`);
    } else {
      positionals.push(arg);
    }
  }
  const [ref, name, extra] = positionals;
  if (!ref) throw new CompareUsageError('missing git ref');
  if (!name) throw new CompareUsageError('missing benchmark name');
  if (extra !== undefined) throw new CompareUsageError(`unexpected argument "${extra}"`);
  if (name === 'all' || name === 'compare')
    throw new CompareUsageError(`compare runs one benchmark, not "${name}"`);
  if (!knownNames.includes(name)) throw new CompareUsageError(`unknown benchmark "${name}"`);
  return { ref, name, n, rounds };
}

export type FigureLine = Record<string, unknown>;

export interface FigureComparison {
  a: number;
  b: number;
  /** b / a; null when a is 0 (no ratio). */
  ratio: number | null;
}

/** The median of each numeric figure over A's runs and over B's, and B / A. */
export function compareFigures(
  a: readonly FigureLine[],
  b: readonly FigureLine[],
): Record<string, FigureComparison> {
  const out: Record<string, FigureComparison> = {};
  const keys = Object.keys(a[0] ?? {});
  for (const key of keys) {
    if (key === 'cpus') continue;
    const ma = medianOf(a, key);
    const mb = medianOf(b, key);
    if (ma === undefined || mb === undefined) continue;
    out[key] = { a: ma, b: mb, ratio: ma === 0 ? null : round(mb / ma, 3) };
  }
  return out;
}

function medianOf(lines: readonly FigureLine[], key: string): number | undefined {
  const values = lines.map((l) => l[key]);
  if (values.length === 0 || !values.every((v): v is number => typeof v === 'number' && Number.isFinite(v)))
    return undefined;
  return median(values);
}

/**
 * One run of the benchmark with this checkout's driver (bench/run.ts) against the host and apps
 * of `tree` (BENCH_TREE), its JSON line parsed; its progress goes on to stderr.
 */
async function runIn(tree: string, label: string, name: string, n: number | undefined): Promise<FigureLine> {
  const args = ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), name];
  if (n !== undefined) args.push('--n', String(n));
  const child = spawn(process.execPath, args, {
    cwd: tree,
    env: { ...process.env, BENCH_TREE: tree },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n')) if (line) process.stderr.write(`  ${label} ${line}\n`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (code !== 0 || !line) throw new Error(`${label}: ${name} exited with ${code}, no figures`);
  return JSON.parse(line) as FigureLine;
}

async function git(args: string[]): Promise<string> {
  const { stdout } = await execFileP('git', args, { cwd: ROOT });
  return stdout.trim();
}

export async function compare(options: CompareOptions): Promise<Record<string, unknown>> {
  const commit = await git(['rev-parse', '--verify', `${options.ref}^{commit}`]).catch(() => {
    throw new CompareUsageError(`"${options.ref}" is not a commit here`);
  });
  const head = await git(['rev-parse', 'HEAD']);
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no'])) !== '';
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-compare-'));
  const tree = path.join(base, 'tree');
  progress('compare', `A = ${options.ref} (${commit.slice(0, 7)}) in ${tree}; B = the working tree`);
  try {
    await git(['worktree', 'add', '--detach', tree, commit]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
    const a: FigureLine[] = [];
    const b: FigureLine[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      progress('compare', `round ${round}/${options.rounds}: A`);
      a.push(await runIn(tree, 'A', options.name, options.n));
      progress('compare', `round ${round}/${options.rounds}: B`);
      b.push(await runIn(ROOT, 'B', options.name, options.n));
    }
    return {
      bench: options.name,
      compare: true,
      a: options.ref,
      aCommit: commit,
      bCommit: head,
      bDirty: dirty,
      rounds: options.rounds,
      ...(options.n !== undefined ? { n: options.n } : {}),
      figures: compareFigures(a, b),
      loadAvg1: round(os.loadavg()[0] ?? 0, 2),
      node: process.version,
      cpus: os.availableParallelism(),
      date: new Date().toISOString(),
    };
  } finally {
    await git(['worktree', 'remove', '--force', tree]).catch((error: unknown) =>
      progress('compare', `could not remove the worktree ${tree}: ${String(error)}`),
    );
    fs.rmSync(base, { recursive: true, force: true });
    await git(['worktree', 'prune']).catch(() => undefined);
  }
}
