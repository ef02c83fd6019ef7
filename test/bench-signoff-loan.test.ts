/**
 * Smoke test of signoff-loan (bench/signoffLoan.ts): the real app on the host, Azurite behind the
 * counting proxy, the connector stand-in; a few loans, each approved by a click. It checks that
 * the figures are there and sane, never how fast they are.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

it('signoff-loan-1000 --n 6 prints one JSON line of sane figures', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', 'signoff-loan-1000', '--n', '6'],
    { cwd: ROOT, env: { ...process.env, BENCH_SERIAL_N: '3' }, timeout: 60_000 },
  );
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  const f = JSON.parse(lines[0] as string) as Record<string, number | string>;
  expect(f).toMatchObject({ bench: 'signoff-loan-1000', n: 6, click1InFlightN: 3 });
  for (const [key, value] of Object.entries(f)) {
    if (['bench', 'node', 'date'].includes(key)) continue;
    expect(Number.isFinite(value), `${key} = ${String(value)}`).toBe(true);
    expect(value as number, key).toBeGreaterThanOrEqual(0);
  }
  for (const key of [
    'cardsPostedPerSec',
    'click50InFlightP50Ms',
    'click1InFlightP50Ms',
    'endToEndPerSec',
    'hostPeakRssMiB',
    'azuritePeakRssMiB',
    'tableOpsPerApproval',
  ]) {
    expect(f[key] as number, key).toBeGreaterThan(0);
  }
  // Percentiles in order; the host (with its worker) and Azurite are real Node processes.
  expect(f.click50InFlightP50Ms as number).toBeLessThanOrEqual(f.click50InFlightP95Ms as number);
  expect(f.click50InFlightP95Ms as number).toBeLessThanOrEqual(f.click50InFlightP99Ms as number);
  expect(f.click1InFlightP50Ms as number).toBeLessThanOrEqual(f.click1InFlightP99Ms as number);
  expect(f.hostPeakRssMiB as number).toBeGreaterThan(20);
  expect(f.azuritePeakRssMiB as number).toBeGreaterThan(20);
  // Each approval reads and writes its tables: a request, its audit and index rows, the decision.
  expect(f.tableOpsPerApproval as number).toBeGreaterThanOrEqual(f.tableRequestsPerApproval as number);
  expect(f.tableOpsPerApproval as number).toBeGreaterThan(2);
}, 90_000);
