/**
 * `npm run soak -- <fuzz|crash> [options]`: the long versions of the fuzz and crash suites, on an
 * embedded host with its own Azurite, each printing one JSON line of figures (and exiting 1 when
 * a figure that must be zero is not).
 *
 *   npm run soak -- fuzz --n 20000 [--seed S]
 *       malformed requests over every route; no 5xx, health still answers, RSS back in bounds
 *   npm run soak -- crash --n 1000 --rounds 20 [--in-flight 50] [--seed S]
 *       approvals decided while the host is killed (SIGKILL) and restarted on its data
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAzurite } from '../../host/azurite';
import { startTestHost, type TestHost } from '../../host/testing';
import { crashSoak } from './crash';
import { fuzz } from './fuzz';

/** How far the host's resident memory may stay above where it started once the fuzz is over. */
const RSS_GROWTH_LIMIT_MB = 150;

const progress = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function runFuzz(n: number, seed: number | undefined): Promise<boolean> {
  const host = await startTestHost({ app: '.', clock: 'virtual' });
  try {
    const ids: string[] = [];
    for (const amount of [5_000, 45_000]) {
      const res = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
        details: { applicant: 'Fuzz', amount, currency: 'EUR', purpose: 'fuzzing', termMonths: 12 },
      });
      ids.push(res.body.id);
    }
    const credentials = {
      systemKey: host.systemKey,
      tokens: await Promise.all(['patti', 'megan', 'isaiah'].map((u) => host.token(u))),
      ids,
    };
    // Warm up (modules loaded, caches filled) before the baseline.
    await fuzz(host, credentials, { n: 200, seed });
    const rssBefore = rssMb(host.pid);
    const started = Date.now();
    const result = await fuzz(host, credentials, { n, seed });
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = rssMb(host.pid);
    const health = (await host.get('/api/health')).status;
    const rssOk =
      rssBefore === undefined || rssAfter === undefined || rssAfter - rssBefore <= RSS_GROWTH_LIMIT_MB;
    const fiveHundreds = Object.entries(result.statuses)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const report = {
      soak: 'fuzz',
      requests: result.runs,
      failures: result.failures.length,
      fiveHundreds,
      statuses: result.statuses,
      health,
      rssMbBefore: rssBefore,
      rssMbAfter: rssAfter,
      rssGrowthLimitMb: RSS_GROWTH_LIMIT_MB,
      requestsPerSecond: Math.round(result.runs / seconds),
      seconds: Math.round(seconds),
      firstFailures: result.failures.slice(0, 5),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return result.failures.length === 0 && health === 200 && rssOk;
  } finally {
    await host.stop();
  }
}

async function runCrash(
  n: number,
  rounds: number,
  inFlight: number,
  seed: number | undefined,
): Promise<boolean> {
  const host: TestHost = await startTestHost({ app: '.', clock: 'virtual', azurite: true });
  try {
    const report = await crashSoak(host, { n, rounds, inFlight, seed, progress });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    const { lost, lostDecisions, duplicated, stuck, auditMismatches, indexMismatches } = report;
    return (
      lost + lostDecisions + duplicated + stuck + auditMismatches + indexMismatches === 0 &&
      report.acknowledged === report.decisions
    );
  } finally {
    await host.stop();
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string' },
      rounds: { type: 'string', default: '20' },
      'in-flight': { type: 'string', default: '50' },
      seed: { type: 'string' },
    },
  });
  const [which] = positionals;
  const number = (name: string, text: string | undefined, fallback: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`--${name} must be a whole number, got ${text}`);
    return value;
  };
  const seed = values.seed === undefined ? undefined : number('seed', values.seed, 0);
  // The fuzz host uses an Azurite of its own; the crash host starts one in its data directory.
  let ok: boolean;
  if (which === 'fuzz') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-soak-'));
    const azurite = await startAzurite({ dataDir });
    process.env.AzureWebJobsStorage = azurite.connectionString;
    try {
      ok = await runFuzz(number('n', values.n, 20_000), seed);
    } finally {
      await azurite.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  } else if (which === 'crash') {
    ok = await runCrash(
      number('n', values.n, 1000),
      number('rounds', values.rounds, 20),
      number('in-flight', values['in-flight'], 50),
      seed,
    );
  } else {
    process.stderr.write(
      'usage: npm run soak -- fuzz --n 20000 | crash --n 1000 --rounds 20 [--in-flight 50]\n',
    );
    process.exit(2);
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
