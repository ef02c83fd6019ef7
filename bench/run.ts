/**
 * `npm run bench -- <name|all> [--n N]`: runs benchmarks one after another, each on its own
 * fresh host, and prints one JSON line of figures per benchmark on stdout (progress goes to
 * stderr). `--n` or BENCH_N overrides the size, for smoke tests.
 * `npm run bench -- compare <git-ref> <name>`: that commit against the working tree, interleaved
 * (compare.ts).
 *
 * Environment: BENCH_HOST_NODE_ARGS (extra node flags for the host, e.g. --cpu-prof),
 * BENCH_POLL_MS (status poll interval under load, default 2), BENCH_SERIAL_N (instances decided
 * one at a time, default 200), BENCH_BATCH (waiting-N start batch, default 5000),
 * BENCH_KEEP_DATA=1 (keep the temp data directory).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { COMPARE_USAGE, CompareUsageError, compare, parseCompareArgs } from './compare';
import { WORKLOADS } from './workloads';

class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

const USAGE = `usage: npm run bench -- <${Object.keys(WORKLOADS).join('|')}|all> [--n N]
       npm run bench -- compare <git-ref> <name> [--n N] [--rounds R]`;

function parse(argv: string[]): { names: string[]; n: number | undefined } {
  // Not strict: an argument that is not --n is read as it was written (a benchmark name, or
  // an unexpected argument), so every mistake gets one of the messages below.
  const { tokens } = parseArgs({
    args: argv,
    options: { n: { type: 'string' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let name: string | undefined;
  let nText = process.env.BENCH_N;
  let lastIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'option' && token.name === 'n') {
      nText = token.value;
      continue;
    }
    // A group of short flags (-ab) is one argument.
    if (token.index === lastIndex) continue;
    lastIndex = token.index;
    const arg = argv[token.index] as string;
    if (!name) name = arg;
    else throw new BenchUsageError(`unexpected argument "${arg}"`);
  }
  if (!name) throw new BenchUsageError('missing benchmark name');
  if (name !== 'all' && !WORKLOADS[name]) throw new BenchUsageError(`unknown benchmark "${name}"`);
  let n: number | undefined;
  if (nText !== undefined && nText !== '') {
    n = Number(nText);
    if (!Number.isInteger(n) || n <= 0)
      throw new BenchUsageError(`--n must be a positive integer, got "${nText}"`);
  }
  return { names: name === 'all' ? Object.keys(WORKLOADS) : [name], n };
}

async function compareMain(argv: string[]): Promise<void> {
  let options: ReturnType<typeof parseCompareArgs>;
  try {
    options = parseCompareArgs(argv, Object.keys(WORKLOADS));
  } catch (error) {
    if (!(error instanceof CompareUsageError)) throw error;
    console.error(`bench: ${error.message}\n${COMPARE_USAGE}`);
    process.exit(2);
  }
  try {
    console.log(JSON.stringify(await compare(options)));
  } catch (error) {
    if (!(error instanceof CompareUsageError)) throw error;
    console.error(`bench: ${error.message}\n${COMPARE_USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'compare') return compareMain(process.argv.slice(3));
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  for (const name of options.names) {
    const workload = WORKLOADS[name];
    if (!workload) continue;
    const figures = await workload.run(name, options.n ?? workload.size);
    console.log(
      JSON.stringify({
        ...figures,
        node: process.version,
        cpus: os.availableParallelism(),
        date: new Date().toISOString(),
      }),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
