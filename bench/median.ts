/**
 * `node --import tsx bench/median.ts < runs.jsonl`: the median of each figure per benchmark
 * over repeated runs (BENCH.md quotes medians of three), as one JSON line per benchmark.
 */
import fs from 'node:fs';
import { median } from './stats';

const runs = new Map<string, Array<Record<string, unknown>>>();
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  if (!line.trim().startsWith('{')) continue;
  const figures = JSON.parse(line) as Record<string, unknown>;
  const bench = String(figures.bench);
  runs.set(bench, [...(runs.get(bench) ?? []), figures]);
}
for (const [bench, list] of runs) {
  const medians: Record<string, unknown> = { bench, runs: list.length };
  for (const key of Object.keys(list[0] ?? {})) {
    const values = list.map((f) => f[key]).filter((v): v is number => typeof v === 'number');
    if (values.length === list.length) medians[key] = median(values);
  }
  console.log(JSON.stringify(medians));
}
