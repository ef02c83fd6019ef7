/**
 * Bottleneck figures: per activity (and sub-orchestration) name, how many calls, attempts and
 * failures, and the duration percentiles of attempts, over a set of instance histories. Pure.
 */
import type { HistoryItem } from './api.js';
import { type TimelineRow, timeline } from './history.js';

/** Nearest-rank percentile of `values` (p in 0..100); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface StepStats {
  name: string;
  kind: TimelineRow['kind'];
  calls: number;
  attempts: number;
  failedAttempts: number;
  /** Calls whose last attempt failed. */
  failedCalls: number;
  p50: number;
  p95: number;
  max: number;
  /** Calls still running, not counted in the durations. */
  running: number;
}

/** Aggregates activities and sub-orchestrations of many histories; slowest p95 first. */
export function stepStats(histories: HistoryItem[][]): StepStats[] {
  const acc = new Map<string, { kind: TimelineRow['kind']; durations: number[]; s: StepStats }>();
  for (const history of histories) {
    for (const row of timeline(history)) {
      if (row.kind !== 'activity' && row.kind !== 'suborchestration') continue;
      const key = `${row.kind}:${row.label}`;
      let entry = acc.get(key);
      if (!entry) {
        entry = {
          kind: row.kind,
          durations: [],
          s: {
            name: row.label,
            kind: row.kind,
            calls: 0,
            attempts: 0,
            failedAttempts: 0,
            failedCalls: 0,
            p50: Number.NaN,
            p95: Number.NaN,
            max: Number.NaN,
            running: 0,
          },
        };
        acc.set(key, entry);
      }
      const s = entry.s;
      s.calls++;
      for (const a of row.attempts) {
        s.attempts++;
        if (a.failed) s.failedAttempts++;
        if (a.end === undefined) s.running++;
        else entry.durations.push(a.end - a.start);
      }
      if (row.attempts[row.attempts.length - 1]?.failed) s.failedCalls++;
    }
  }
  const result = [...acc.values()].map(({ durations, s }) => ({
    ...s,
    p50: percentile(durations, 50),
    p95: percentile(durations, 95),
    max: durations.length ? Math.max(...durations) : Number.NaN,
  }));
  return result.sort((a, b) => (b.p95 || 0) - (a.p95 || 0) || b.calls - a.calls);
}
