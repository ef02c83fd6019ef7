/**
 * What every benchmark shares: a fresh host on a fresh temp data directory, a client for it,
 * and cleanup whatever happens. Set BENCH_KEEP_DATA=1 to keep the data directory.
 */
import fs from 'node:fs';
import { DurableClient } from './durableClient';
import { BenchHost, tempDataDir } from './hostProcess';

/** One JSON line: the benchmark's name, then numbers only. */
export type Figures = { bench: string } & Record<string, number | string>;

/** The host and client of one benchmark; a restart replaces both. */
export interface HostSession {
  host: BenchHost;
  client: DurableClient;
  dataDir: string;
}

export async function withFreshHost<T>(
  label: string,
  body: (session: HostSession) => Promise<T>,
): Promise<T> {
  const dataDir = tempDataDir(label);
  const host = await BenchHost.spawn(dataDir);
  const session: HostSession = { host, client: new DurableClient(host.url), dataDir };
  try {
    return await body(session);
  } catch (error) {
    const tail = session.host.recentOutput.trim();
    if (tail) process.stderr.write(`host output:\n${tail}\n`);
    throw error;
  } finally {
    session.client.close();
    await session.host.stop();
    if (!process.env.BENCH_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
