/**
 * Timer triggers on the embedded host, driven by its virtual clock: an NCRONTAB schedule (from an
 * app setting) runs once per occurrence as the clock moves, a TimeSpan schedule runs on start-up,
 * and the schedule monitor (status blobs in Azurite, as in Azure) lets a restarted host see the
 * occurrence it missed while down: that one runs at once, with `isPastDue`. What each invocation
 * saw is a table row the fixture app writes (test/fixtures/bindings-app).
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

interface Tick {
  kind: 'five' | 'startup';
  isPastDue: boolean;
  last: string;
  next: string;
  adjustForDST: boolean;
  timestamp: string;
}

const TICKS = `Ticks${randomBytes(4).toString('hex')}`;
let host: TestHost;

const ticks = async (): Promise<Tick[]> => {
  const client = TableClient.fromConnectionString(process.env.AzureWebJobsStorage as string, TICKS, {
    allowInsecureConnection: true,
  });
  const found: Tick[] = [];
  try {
    for await (const e of client.listEntities<Tick>()) found.push(e);
  } catch {
    return [];
  }
  return found.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.next.localeCompare(b.next));
};
const of = (kind: Tick['kind'], all: Tick[]) => all.filter((t) => t.kind === kind);
const FIVE_MINUTES = 5 * 60_000;

beforeAll(async () => {
  const id = randomBytes(4).toString('hex');
  host = await startTestHost({
    app: 'test/fixtures/bindings-app',
    clock: 'virtual',
    env: {
      FILES_CONTAINER: `files-${id}`,
      ORDERS_QUEUE: `orders-${id}`,
      ARCHIVE_QUEUE: `archive-${id}`,
      ORDERS_TABLE: `Orders${id}`,
      TICKS_TABLE: TICKS,
    },
  });
});

afterAll(async () => {
  const code = await host?.stop();
  if (code !== 0) console.error(host?.logs.slice(-40).join('\n'));
});

it('runs a TimeSpan timer at start-up when it says so, and a CRON timer at each occurrence the clock passes', async () => {
  // runOnStartup: at once, not past due; the monitor has a status with no Last yet.
  await expect.poll(async () => of('startup', await ticks()), { timeout: 20_000 }).toHaveLength(1);
  const [startup] = of('startup', await ticks());
  expect(startup).toMatchObject({ isPastDue: false, adjustForDST: false, last: '0001-01-01T00:00:00+00:00' });
  expect(of('five', await ticks())).toHaveLength(0);

  // Fifteen minutes: three occurrences of "0 */5 * * * *", each in turn, each with the last one.
  await host.clock.advance('PT15M');
  await expect.poll(async () => of('five', await ticks()), { timeout: 20_000 }).toHaveLength(3);
  const five = of('five', await ticks());
  for (const tick of five) expect(tick).toMatchObject({ isPastDue: false, adjustForDST: true });
  const [n0, n1, n2] = five.map((t) => Date.parse(t.next)) as [number, number, number];
  const nexts = [n0, n1, n2];
  expect(n1 - n0).toBe(FIVE_MINUTES);
  expect(n2 - n1).toBe(FIVE_MINUTES);
  for (const next of nexts)
    expect(new Date(next).getUTCSeconds() + (new Date(next).getUTCMinutes() % 5)).toBe(0);
  expect(Date.parse((five[1] as Tick).last)).toBe(n0);
  expect(Date.parse((five[2] as Tick).last)).toBe(n1);
  // A TimeSpan timer comes again an hour after it ran.
  expect(of('startup', await ticks())).toHaveLength(1);
});

it('runs a timer whose occurrence passed while the host was down once, at start, with isPastDue', async () => {
  const before = of('five', await ticks()).length;
  const startups = of('startup', await ticks()).length;
  expect(await host.stop()).toBe(0);
  await host.restart({ downtime: 'PT30M' });
  await expect.poll(async () => of('five', await ticks()).length, { timeout: 20_000 }).toBe(before + 1);
  const missed = of('five', await ticks()).at(-1) as Tick;
  expect(missed.isPastDue).toBe(true);
  // The status it saw is the one recorded before the host went down.
  expect(Date.parse(missed.next)).toBeLessThan((await host.clock.now()).getTime());
  // The hourly TimeSpan timer was not due yet: it ran on start-up again (runOnStartup), not past due.
  await expect.poll(async () => of('startup', await ticks()).length, { timeout: 20_000 }).toBe(startups + 1);
  expect((of('startup', await ticks()).at(-1) as Tick).isPastDue).toBe(false);

  // From there on the schedule goes on as usual.
  await host.clock.advance('PT5M');
  await expect.poll(async () => of('five', await ticks()).length, { timeout: 20_000 }).toBe(before + 2);
  expect((of('five', await ticks()).at(-1) as Tick).isPastDue).toBe(false);
});
